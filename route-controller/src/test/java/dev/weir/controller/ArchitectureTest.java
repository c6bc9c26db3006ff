package dev.weir.controller;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
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
            "dev.weir.controller.build..",
            "dev.weir.controller.validate..",
            "dev.weir.controller.tls..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.fabric8..",
            "org.springframework..",
            "dev.weir.controller.source..",
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
            "dev.weir.controller.build..",
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
            "dev.weir.controller.build..",
            "dev.weir.controller.validate..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.fabric8.kubernetes.client..")
        .check(CLASSES);
  }
}
