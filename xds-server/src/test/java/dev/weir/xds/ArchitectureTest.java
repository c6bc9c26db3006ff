package dev.weir.xds;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The layering of the xds-server module, stated as code. */
@AnalyzeClasses(packages = "dev.weir", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule modelIsPlainJava =
      noClasses()
          .that()
          .resideInAPackage("dev.weir.model..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "com.google.protobuf..",
              "io.envoyproxy..",
              "io.grpc..",
              "io.fabric8..",
              "org.springframework..")
          .because("the model is shared by the controller and every translator as plain records");

  @ArchTest
  static final ArchRule contractIsProtobufFree =
      noClasses()
          .that()
          .resideInAPackage("dev.weir.xds")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("com.google.protobuf..", "io.envoyproxy..", "io.grpc..")
          .because("the controller codes against ModelPublisher and DataPlaneRegistry only");

  @ArchTest
  static final ArchRule translationIsPure =
      noClasses()
          .that()
          .resideInAPackage("dev.weir.xds.translate..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("io.grpc..", "io.envoyproxy.controlplane..", "dev.weir.xds.server..")
          .because("translation is a pure function of the model");

  @ArchTest
  static final ArchRule modelKnowsNoXds =
      noClasses()
          .that()
          .resideInAPackage("dev.weir.model..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.weir.xds..");
}
