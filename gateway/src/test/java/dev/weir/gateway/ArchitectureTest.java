package dev.weir.gateway;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The layering of the gateway, stated in code. */
class ArchitectureTest {

  static final JavaClasses GATEWAY =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
          .importPackages("dev.weir.gateway");

  /**
   * The gateway learns about Weir only through xDS: of Weir's other code it uses the xDS dialect
   * (the names both sides agree on) and nothing else, not the model, the translator, the server or
   * the controller.
   */
  @Test
  void learnsAboutWeirOnlyThroughXds() {
    noClasses()
        .should()
        .dependOnClassesThat(
            resideInAPackage("dev.weir..")
                .and(not(resideInAnyPackage("dev.weir.gateway..", "dev.weir.xds.dialect.."))))
        .check(GATEWAY);
  }

  @Test
  void routingIsPlainJava() {
    noClasses()
        .that()
        .resideInAPackage("dev.weir.gateway.routing..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "com.google.protobuf..",
            "io.envoyproxy..",
            "org.springframework..",
            "io.netty..",
            "reactor..",
            "dev.weir.gateway.xds..",
            "dev.weir.gateway.proxy..")
        .check(GATEWAY);
  }

  /** The two wire clients speak protobuf: xDS and load reports. */
  @Test
  void protobufStaysInTheWireClients() {
    noClasses()
        .that()
        .resideOutsideOfPackages("dev.weir.gateway.xds..", "dev.weir.gateway.lrs..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("com.google.protobuf..", "io.envoyproxy..", "io.grpc..")
        .check(GATEWAY);
  }

  /**
   * Load reports read the counters the request path bumps ({@code routing}) and use the xDS
   * client's channel; the proxy only counts, and knows nothing of reporting.
   */
  @Test
  void loadReportsAreAWireClientOnly() {
    noClasses()
        .that()
        .resideInAPackage("dev.weir.gateway.lrs..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.weir.gateway.proxy..", "dev.weir.gateway.tls..", "org.springframework..")
        .check(GATEWAY);
    noClasses()
        .that()
        .resideInAPackage("dev.weir.gateway.proxy..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.weir.gateway.lrs..")
        .check(GATEWAY);
  }

  @Test
  void theProxyKnowsNothingOfXds() {
    noClasses()
        .that()
        .resideInAPackage("dev.weir.gateway.proxy..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.weir.gateway.xds..")
        .check(GATEWAY);
  }
}
