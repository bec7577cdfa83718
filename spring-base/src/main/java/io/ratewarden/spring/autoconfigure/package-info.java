/**
 * Spring Boot auto-configuration for Ratewarden: the instance from {@code ratewarden.*}
 * properties, 429 responses, the Actuator health component and Micrometer meters. See
 * {@code docs/spring-boot.md}.
 */
package io.ratewarden.spring.autoconfigure;
