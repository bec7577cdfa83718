/**
 * The MXBean interfaces through which operators watch Ratewarden in {@code jconsole} or any JMX
 * client. Registered by {@code RatewardenBuilder.build()} unless {@code jmx(false)}.
 */
package io.ratewarden.jmx;
