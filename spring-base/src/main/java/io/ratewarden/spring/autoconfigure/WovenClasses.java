package io.ratewarden.spring.autoconfigure;

import java.lang.reflect.Field;

/**
 * Tells classes that AspectJ wove apart, by what ajc leaves in them: a static field
 * {@code ajc$tjp_<n>} for each join point it advised (the join point's static part, which the
 * Ratewarden aspect always reads), whether weaving happened at compile time, on a jar, or at load
 * time. Their {@code @RateLimited} methods are limited by the aspect already, so no proxy limits
 * them a second time.
 */
final class WovenClasses {

    private static final ClassValue<Boolean> WOVEN = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            try {
                for (Field field : type.getDeclaredFields()) {
                    if (field.getName().startsWith("ajc$tjp_")) {
                        return true;
                    }
                }
            } catch (LinkageError | SecurityException e) {
                return false; // a class whose fields cannot be read was not woven by us either
            }
            return false;
        }
    };

    private WovenClasses() {
    }

    /** Whether ajc wove {@code type} itself (not its superclasses). */
    static boolean isWoven(Class<?> type) {
        return WOVEN.get(type);
    }
}
