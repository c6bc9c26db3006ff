package dev.weir.controller;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.weir.controller.pipeline.ClusterObjects;
import dev.weir.controller.pipeline.EndpointSliceObject;
import dev.weir.controller.pipeline.RolloutObject;
import dev.weir.controller.pipeline.RouteKey;
import dev.weir.controller.pipeline.RouteObject;
import dev.weir.controller.pipeline.SecretObject;
import dev.weir.controller.pipeline.ServiceObject;
import org.junit.jupiter.api.Test;

/** The layering of the controller, stated in code. */
class ArchitectureTest {

  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.weir.controller");

  @Test
  void theBuilderAndValidationArePure() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "dev.weir.controller.pipeline..",
            "dev.weir.controller.validate..",
            "dev.weir.controller.tls..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.fabric8..",
            "org.springframework..",
            "dev.weir.controller.source..",
            "dev.weir.controller.store..",
            "dev.weir.controller.status..",
            "dev.weir.controller.reconcile..",
            "dev.weir.xds.server..",
            "java.nio.file..",
            "java.net..")
        .check(CLASSES);
  }

  @Test
  void theCertificateChecksDependOnTheJdkOnly() {
    noClasses()
        .that()
        .resideInAPackage("dev.weir.controller.tls..")
        .should()
        .dependOnClassesThat()
        .resideOutsideOfPackages("java..", "javax.security..", "dev.weir.controller.tls..")
        .check(CLASSES);
  }

  @Test
  void theApiTypesDependOnNothingOfTheController() {
    noClasses()
        .that()
        .resideInAPackage("dev.weir.controller.api..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.weir.controller.pipeline..",
            "dev.weir.controller.validate..",
            "dev.weir.controller.source..",
            "dev.weir.controller.status..",
            "dev.weir.controller.reconcile..",
            "dev.weir.xds..")
        .check(CLASSES);
  }

  @Test
  void onlyTheApplicationKnowsSpringAndTheXdsServer() {
    noClasses()
        .that()
        .resideOutsideOfPackages("dev.weir.controller", "dev.weir.controller.admin")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.springframework..", "dev.weir.xds.server..")
        .check(CLASSES);
  }

  @Test
  void kubernetesStaysInTheSourcesAndTheStatusWriter() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "dev.weir.controller.admin..",
            "dev.weir.controller.clusters..",
            "dev.weir.controller.pipeline..",
            "dev.weir.controller.validate..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.fabric8.kubernetes.client..")
        .check(CLASSES);
  }

  /**
   * The rollout core is pure: the JDK, the API records and itself. The wiring (controller loop,
   * admin API, status writer) calls it, never the other way round.
   */
  @Test
  void theRolloutCoreIsPure() {
    noClasses()
        .that()
        .resideInAPackage("dev.weir.controller.rollout..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.fabric8..",
            "org.springframework..",
            "dev.weir.xds..",
            "dev.weir.model..",
            "dev.weir.controller.source..",
            "dev.weir.controller.store..",
            "dev.weir.controller.status..",
            "dev.weir.controller.reconcile..",
            "dev.weir.controller.pipeline..",
            "dev.weir.controller.admin..")
        .check(CLASSES);
  }

  /** Of the rollout core, only the Prometheus provider does I/O. */
  @Test
  void onlyThePrometheusProviderOfRolloutsDoesIo() {
    noClasses()
        .that()
        .resideInAPackage("dev.weir.controller.rollout")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("java.net.http..", "java.nio.file..", "java.io..", "com.fasterxml..")
        .check(CLASSES);
  }

  /**
   * The model build knows nothing of the xDS server's seams: data planes come in as {@code
   * AppliedModel}s, made by the rebuild loop. {@code dev.weir.model} (the routing model, which
   * lives in xds-server) is its output and is allowed.
   */
  @Test
  void thePipelineImportsNoXds() {
    noClasses()
        .that()
        .resideInAPackage("dev.weir.controller.pipeline..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.weir.xds..")
        .check(CLASSES);
  }

  /**
   * The stages and their memo are the pipeline's own: callers see one entry point, {@code
   * ModelBuilder}, and its records.
   */
  @Test
  void theStagesAreBehindTheFacade() {
    noClasses()
        .that()
        .resideInAPackage("dev.weir.controller.pipeline..")
        .and()
        .haveSimpleNameEndingWith("Stage")
        .or()
        .haveSimpleNameEndingWith("Memo")
        .should()
        .bePublic()
        .check(CLASSES);
  }

  /**
   * The Gateway API compile is pure: fabric8's model types (never its client), the JDK, the routing
   * model it makes, JSpecify; no Spring, no I/O, nothing of the controller's wiring.
   */
  @Test
  void theGatewayApiCompileIsPure() {
    noClasses()
        .that()
        .resideInAPackage("dev.weir.controller.gatewayapi..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.fabric8.kubernetes.client..",
            "org.springframework..",
            "dev.weir.xds..",
            "dev.weir.controller.source..",
            "dev.weir.controller.store..",
            "dev.weir.controller.status..",
            "dev.weir.controller.reconcile..",
            "dev.weir.controller.pipeline..",
            "dev.weir.controller.admin..",
            "java.nio.file..",
            "java.net..",
            "java.io..")
        .check(CLASSES);
  }

  /** Sources watch and parse into the store; they see nothing of the build, status or loop. */
  @Test
  void sourcesSeeOnlyTheStore() {
    noClasses()
        .that()
        .resideInAPackage("dev.weir.controller.source..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.weir.controller.pipeline..",
            "dev.weir.controller.status..",
            "dev.weir.controller.reconcile..",
            "dev.weir.xds..")
        .check(CLASSES);
  }

  /** The store hands the builder its input records and knows nothing else of the build. */
  @Test
  void theStoreSeesOnlyTheBuildersInputRecords() {
    noClasses()
        .that()
        .resideInAPackage("dev.weir.controller.store..")
        .should()
        .dependOnClassesThat(
            resideInAPackage("dev.weir.controller.pipeline..")
                .and(not(equivalentTo(ClusterObjects.class)))
                .and(not(equivalentTo(RouteObject.class)))
                .and(not(equivalentTo(RouteKey.class)))
                .and(not(equivalentTo(ServiceObject.class)))
                .and(not(equivalentTo(ServiceObject.Port.class)))
                .and(not(equivalentTo(EndpointSliceObject.class)))
                .and(not(equivalentTo(EndpointSliceObject.Port.class)))
                .and(not(equivalentTo(SecretObject.class)))
                .and(not(equivalentTo(RolloutObject.class))))
        .orShould()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.weir.controller.source..",
            "dev.weir.controller.status..",
            "dev.weir.controller.reconcile..",
            "dev.weir.xds..")
        .check(CLASSES);
  }

  /** The status writer sees Routes by their keys, never the build's internals. */
  @Test
  void statusSeesOnlyKeys() {
    noClasses()
        .that()
        .resideInAPackage("dev.weir.controller.status..")
        .should()
        .dependOnClassesThat(
            resideInAPackage("dev.weir.controller.pipeline..")
                .and(not(equivalentTo(RouteKey.class))))
        .orShould()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.weir.controller.source..",
            "dev.weir.controller.store..",
            "dev.weir.controller.reconcile..")
        .check(CLASSES);
  }
}
