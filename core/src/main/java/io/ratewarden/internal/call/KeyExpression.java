package io.ratewarden.internal.call;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Parses a {@code key} expression once and binds it to a method's parameters.
 *
 * <p>Grammar: {@code path ("," path)*}; {@code path := "#" root ("." property)*}; {@code root} is a
 * parameter name (needs {@code -parameters}) or {@code p<index>}. A property is resolved on the
 * declared type of what precedes it: a {@code getX()} or {@code isX()} getter, a no-argument method
 * {@code x()} (record accessors), or a public field {@code x}. Parts are joined with {@code :}.
 */
final class KeyExpression {

    private static final MethodType OBJECT_TO_OBJECT = MethodType.methodType(Object.class, Object.class);

    private KeyExpression() {
    }

    /**
     * Binds {@code expression} to {@code method}.
     *
     * @throws InvalidAnnotationException if the expression is malformed or does not resolve
     */
    static KeyFunction bind(String expression, Method method) throws InvalidAnnotationException {
        return bind(expression, method, "key");
    }

    /**
     * Binds {@code expression}, the value of {@code attribute}, to {@code method}.
     *
     * @throws InvalidAnnotationException naming {@code attribute} if the expression is malformed
     *     or does not resolve
     */
    static KeyFunction bind(String expression, Method method, String attribute) throws InvalidAnnotationException {
        try {
            return bindExpression(expression, method);
        } catch (InvalidAnnotationException e) {
            throw attribute.equals("key") ? e : e.about(attribute);
        }
    }

    private static KeyFunction bindExpression(String expression, Method method) throws InvalidAnnotationException {
        String[] rawParts = expression.split(",", -1);
        List<Path> paths = new ArrayList<>(rawParts.length);
        for (String rawPart : rawParts) {
            paths.add(bindPath(rawPart.trim(), expression, method));
        }
        return paths.size() == 1 ? new SinglePath(paths.get(0)) : new JoinedPaths(paths.toArray(new Path[0]));
    }

    /** A key of one path: the common case, with no string building. */
    private record SinglePath(Path path) implements KeyFunction {
        @Override
        public String key(Object target, Object[] args) throws Throwable {
            return path.evaluate(args[path.index()]);
        }

        @Override
        public String key(Object a0, Object a1) throws Throwable {
            return path.evaluate(path.index() == 0 ? a0 : a1);
        }
    }

    /** A key of several paths joined with {@code :}. */
    private record JoinedPaths(Path[] paths) implements KeyFunction {
        @Override
        public String key(Object target, Object[] args) throws Throwable {
            StringBuilder key = new StringBuilder();
            for (int i = 0; i < paths.length; i++) {
                if (i > 0) {
                    key.append(':');
                }
                key.append(paths[i].evaluate(args[paths[i].index()]));
            }
            return key.toString();
        }

        @Override
        public String key(Object a0, Object a1) throws Throwable {
            StringBuilder key = new StringBuilder();
            for (int i = 0; i < paths.length; i++) {
                if (i > 0) {
                    key.append(':');
                }
                key.append(paths[i].evaluate(paths[i].index() == 0 ? a0 : a1));
            }
            return key.toString();
        }
    }

    private static Path bindPath(String part, String expression, Method method)
            throws InvalidAnnotationException {
        if (!part.startsWith("#") || part.length() == 1) {
            throw new InvalidAnnotationException("key", "'" + expression
                    + "': each comma-separated part must be a path such as #userId, #p0 or #request.tenant.id");
        }
        String[] segments = part.substring(1).split("\\.", -1);
        for (String segment : segments) {
            if (!isIdentifier(segment)) {
                throw new InvalidAnnotationException("key", "'" + expression + "': '" + segment
                        + "' in '" + part + "' is not a Java identifier");
            }
        }
        int index = parameterIndex(segments[0], expression, method);
        Class<?> type = method.getParameterTypes()[index];
        MethodHandle[] steps = new MethodHandle[segments.length - 1];
        for (int i = 1; i < segments.length; i++) {
            Accessor accessor = accessor(type, segments[i]);
            if (accessor == null) {
                throw new InvalidAnnotationException("key", "'" + expression + "': " + type.getName()
                        + " has no getter, accessor or public field '" + segments[i] + "' (reached by '"
                        + String.join(".", Arrays.copyOf(segments, i + 1)) + "')");
            }
            steps[i - 1] = accessor.handle();
            type = accessor.type();
        }
        return new Path(index, steps);
    }

    private static int parameterIndex(String root, String expression, Method method)
            throws InvalidAnnotationException {
        Parameter[] parameters = method.getParameters();
        for (int i = 0; i < parameters.length; i++) {
            if (parameters[i].isNamePresent() && parameters[i].getName().equals(root)) {
                return i;
            }
        }
        if (root.length() > 1 && root.charAt(0) == 'p' && root.substring(1).chars().allMatch(Character::isDigit)) {
            int index;
            try {
                index = Integer.parseInt(root.substring(1));
            } catch (NumberFormatException e) {
                index = Integer.MAX_VALUE;
            }
            if (index < parameters.length) {
                return index;
            }
            throw new InvalidAnnotationException("key", "'" + expression + "': #" + root
                    + " is out of range, the method has " + parameters.length + " parameter(s)");
        }
        boolean namesPresent = parameters.length > 0 && parameters[0].isNamePresent();
        throw new InvalidAnnotationException("key", "'" + expression + "': unknown key parameter '" + root + "'"
                + (namesPresent ? "" : " (parameter names are not in the class file: compile with -parameters,"
                        + " or use #p0, #p1, ...)"));
    }

    private record Accessor(MethodHandle handle, Class<?> type) {
    }

    private static Accessor accessor(Class<?> type, String property) throws InvalidAnnotationException {
        if (type.isPrimitive() || type.isArray()) {
            return null;
        }
        String capitalized = property.substring(0, 1).toUpperCase(Locale.ROOT) + property.substring(1);
        Method getter = findNoArgMethod(type, "get" + capitalized);
        if (getter == null) {
            Method is = findNoArgMethod(type, "is" + capitalized);
            if (is != null && (is.getReturnType() == boolean.class || is.getReturnType() == Boolean.class)) {
                getter = is;
            }
        }
        if (getter == null) {
            getter = findNoArgMethod(type, property);
        }
        if (getter != null) {
            return new Accessor(unreflect(getter, type, property), getter.getReturnType());
        }
        try {
            Field field = type.getField(property);
            if (!Modifier.isStatic(field.getModifiers())) {
                field.setAccessible(true);
                MethodHandle fieldGetter = MethodHandles.lookup().unreflectGetter(field).asType(OBJECT_TO_OBJECT);
                return new Accessor(fieldGetter, field.getType());
            }
        } catch (NoSuchFieldException absent) {
            // not a field either
        } catch (IllegalAccessException | RuntimeException e) {
            throw new InvalidAnnotationException("key", "cannot read field '" + property + "' of "
                    + type.getName() + ": " + e.getMessage());
        }
        return null;
    }

    private static Method findNoArgMethod(Class<?> type, String name) {
        try {
            Method method = type.getMethod(name);
            boolean usable = !Modifier.isStatic(method.getModifiers()) && method.getReturnType() != void.class;
            return usable ? method : null;
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static MethodHandle unreflect(Method getter, Class<?> type, String property)
            throws InvalidAnnotationException {
        try {
            getter.setAccessible(true);
            return MethodHandles.lookup().unreflect(getter).asType(OBJECT_TO_OBJECT);
        } catch (IllegalAccessException | RuntimeException e) {
            throw new InvalidAnnotationException("key", "cannot call " + getter.getName() + "() for '"
                    + property + "' of " + type.getName() + ": " + e.getMessage());
        }
    }

    private static boolean isIdentifier(String segment) {
        if (segment.isEmpty() || !Character.isJavaIdentifierStart(segment.charAt(0))) {
            return false;
        }
        return segment.chars().allMatch(Character::isJavaIdentifierPart);
    }

    /** One bound path: an argument index and the accessors applied to it in turn. */
    private record Path(int index, MethodHandle[] steps) {
        String evaluate(Object argument) throws Throwable {
            Object value = argument;
            for (MethodHandle step : steps) {
                if (value == null) {
                    break;
                }
                value = (Object) step.invokeExact(value);
            }
            return String.valueOf(value);
        }
    }
}
