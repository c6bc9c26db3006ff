package dev.weir.xds;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.weir.xds.lrs.LoadReportingServer;
import dev.weir.xds.snapshot.DataPlaneAcks;
import dev.weir.xds.snapshot.NodeGroupKey;
import dev.weir.xds.snapshot.SnapshotHistory;
import dev.weir.xds.snapshot.SnapshotProducer;
import dev.weir.xds.snapshot.SnapshotSource;
import dev.weir.xds.snapshot.VirtualHostSet;

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
          .resideInAnyPackage(
              "io.grpc..",
              "io.envoyproxy.controlplane..",
              "dev.weir.xds.server..",
              "dev.weir.xds.snapshot..")
          .because("translation is a pure function of the model");

  @ArchTest
  static final ArchRule productionDoesNotServe =
      noClasses()
          .that()
          .resideInAPackage("dev.weir.xds.snapshot..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "io.grpc..", "io.envoyproxy.controlplane.server..", "dev.weir.xds.server..")
          .because(
              "snapshot production is java-control-plane's cache side: it sets snapshots and"
                  + " learns about data planes only through DataPlaneAcks");

  @ArchTest
  static final ArchRule servingSeesProductionThroughItsSeam =
      noClasses()
          .that()
          .resideInAPackage("dev.weir.xds.server..")
          .should()
          .dependOnClassesThat(
              resideInAPackage("dev.weir.xds.snapshot..")
                  .and(
                      not(
                          belongToAnyOf(
                              SnapshotSource.class,
                              DataPlaneAcks.class,
                              NodeGroupKey.class,
                              SnapshotHistory.class,
                              SnapshotProducer.class,
                              VirtualHostSet.class))))
          .because(
              "serving watches the cache through SnapshotSource, tracks ACKs for DataPlaneAcks,"
                  + " serves a group's VirtualHostSet and wires a SnapshotProducer; how snapshots"
                  + " are made stays behind them");

  @ArchTest
  static final ArchRule servingDoesNotTranslate =
      noClasses()
          .that()
          .resideInAPackage("dev.weir.xds.server..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.weir.xds.translate..")
          .because("translation is part of snapshot production");

  @ArchTest
  static final ArchRule loadReportsStandApart =
      noClasses()
          .that()
          .resideInAPackage("dev.weir.xds.lrs..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "dev.weir.xds.translate..",
              "dev.weir.xds.snapshot..",
              "dev.weir.xds.server..",
              "io.envoyproxy.controlplane..")
          .because(
              "load reports are read back with the dialect's names only; what was served is not"
                  + " their business");

  @ArchTest
  static final ArchRule loadReportsKnowOnlyLocalitiesOfTheModel =
      noClasses()
          .that()
          .resideInAPackage("dev.weir.xds.lrs..")
          .should()
          .dependOnClassesThat(
              resideInAPackage("dev.weir.model..")
                  .and(not(belongToAnyOf(dev.weir.model.Locality.class))))
          .because("a data plane's locality is all the load store shares with the model");

  @ArchTest
  static final ArchRule loadStoreIsProtobufFree =
      noClasses()
          .that()
          .resideInAPackage("dev.weir.xds.lrs..")
          .and(not(belongToAnyOf(LoadReportingServer.class)))
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("com.google.protobuf..", "io.envoyproxy..", "io.grpc..")
          .because("rollouts, scale from zero and the console read the store as plain records");

  @ArchTest
  static final ArchRule modelKnowsNoXds =
      noClasses()
          .that()
          .resideInAPackage("dev.weir.model..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.weir.xds..");
}
