package dev.weir.gateway.testing;

import org.springframework.beans.factory.support.BeanDefinitionBuilder;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * Gives a gateway application that a test starts and closes itself its own reactor-netty event
 * loops. By default Spring's {@link ReactorResourceFactory} uses reactor-netty's global resources
 * and disposes them when its context closes, which breaks every other gateway context and test
 * backend still running in the same JVM (the test contexts Spring caches across classes). One JVM
 * runs one gateway in production, so this is for tests only.
 */
public final class OwnEventLoops
    implements ApplicationContextInitializer<ConfigurableApplicationContext> {

  @Override
  public void initialize(ConfigurableApplicationContext context) {
    ((BeanDefinitionRegistry) context.getBeanFactory())
        .registerBeanDefinition(
            "reactorResourceFactory",
            BeanDefinitionBuilder.genericBeanDefinition(ReactorResourceFactory.class)
                .addPropertyValue("useGlobalResources", false)
                .getBeanDefinition());
  }
}
