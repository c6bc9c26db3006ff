package dev.weir.xds.dialect;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The dialect is plain Java: both sides of xDS, and code without protobuf, can use it. */
class ArchitectureTest {

  static final JavaClasses DIALECT =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.weir.xds.dialect");

  @Test
  void dependsOnNothingButTheJdkAndJSpecify() {
    classes()
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage("dev.weir.xds.dialect..", "java..", "org.jspecify..")
        .check(DIALECT);
  }
}
