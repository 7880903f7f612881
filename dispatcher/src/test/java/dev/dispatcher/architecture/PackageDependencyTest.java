package dev.dispatcher.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package rules, checked on the compiled classes (ArchUnit reads the bytecode, so a fully
 * qualified name or a type used without an import counts like any other use):
 *
 * <pre>
 *   packet  &lt;-  dataplane  &lt;-  control  &lt;-  admin  &lt;-  cli
 *                  (config, health)  &lt;-  control       metrics  -&gt;  control, admin, dataplane
 * </pre>
 *
 * <ul>
 *   <li>{@code packet} depends on nothing of ours;</li>
 *   <li>{@code dataplane} on {@code packet} only, and on no library but the Disruptor (the ring
 *       pipeline) and pcap4j (its own backend package); its packages form no cycle;</li>
 *   <li>{@code config} on no runtime part; {@code health} on {@code config} only;</li>
 *   <li>{@code control} never on {@code admin}, {@code cli} or {@code metrics};</li>
 *   <li>{@code admin} on the control plane's contract ({@code control.api}) only, never on the
 *       data plane;</li>
 *   <li>logback is configured in one package, native downcalls live in one class.</li>
 * </ul>
 */
class PackageDependencyTest {
    private static final String ROOT = "dev.dispatcher";
    private static final Path SOURCES = Path.of("src/main/java/dev/dispatcher");
    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(ROOT);
        assertTrue(main.size() > 200, "the main classes were found: " + main.size());
    }

    private static String pkg(String name) {
        return ROOT + "." + name + "..";
    }

    @Test
    void packetDependsOnNothingOfOurs() {
        noClasses().that().resideInAPackage(pkg("packet"))
                .should().dependOnClassesThat().resideInAnyPackage(pkg("dataplane"), pkg("config"), pkg("control"),
                        pkg("admin"), pkg("cli"), pkg("health"), pkg("metrics"), pkg("logging"))
                .check(main);
    }

    @Test
    void theDataPlaneDependsOnPacketsAndItsOwnLibrariesOnly() {
        classes().that().resideInAPackage(pkg("dataplane"))
                .should().onlyDependOnClassesThat().resideInAnyPackage(pkg("dataplane"), pkg("packet"), "java..",
                        "com.lmax.disruptor..", "org.pcap4j..")
                .check(main);
        noClasses().that().resideInAPackage(pkg("dataplane")).and().resideOutsideOfPackage(pkg("dataplane.io.pcap4j"))
                .should().dependOnClassesThat().resideInAPackage("org.pcap4j..")
                .check(main);
        noClasses().that().resideInAPackage(pkg("dataplane")).and().resideOutsideOfPackage(pkg("dataplane.pipeline"))
                .should().dependOnClassesThat().resideInAPackage("com.lmax.disruptor..")
                .check(main);
    }

    @Test
    void theDataPlanePackagesFormNoCycle() {
        // arp and forward once imported each other; the types both need live in dataplane.core.
        slices().matching(ROOT + ".dataplane.(*)..").should().beFreeOfCycles().check(main);
    }

    @Test
    void configurationDependsOnNoRuntimePart() {
        noClasses().that().resideInAPackage(pkg("config"))
                .should().dependOnClassesThat().resideInAnyPackage(pkg("dataplane"), pkg("control"), pkg("admin"),
                        pkg("cli"), pkg("packet"), pkg("health"), pkg("metrics"))
                .check(main);
    }

    @Test
    void advisorsKnowOnlyTheirConfiguration() {
        noClasses().that().resideInAPackage(pkg("health"))
                .should().dependOnClassesThat().resideInAnyPackage(pkg("dataplane"), pkg("control"), pkg("admin"),
                        pkg("cli"), pkg("packet"), pkg("metrics"))
                .check(main);
    }

    @Test
    void theControlPlaneDoesNotReachUpToItsServers() {
        // The admin API is built by the command that runs the dispatcher, not by the control plane.
        noClasses().that().resideInAPackage(pkg("control"))
                .should().dependOnClassesThat()
                .resideInAnyPackage(pkg("admin"), pkg("cli"), pkg("metrics"), "picocli..",
                        "org.eclipse.jetty..")
                .check(main);
    }

    @Test
    void theAdminApiServesTheControlContractOnly() {
        noClasses().that().resideInAPackage(pkg("admin"))
                .should().dependOnClassesThat().resideInAnyPackage(pkg("dataplane"), pkg("packet"), pkg("cli"),
                        pkg("metrics"), "picocli..")
                .check(main);
        noClasses().that().resideInAPackage(pkg("admin"))
                .should().dependOnClassesThat(com.tngtech.archunit.base.DescribedPredicate.describe(
                        "are in the control plane but not its contract (control.api)",
                        c -> c.getPackageName().startsWith(ROOT + ".control")
                                && !c.getPackageName().startsWith(ROOT + ".control.api")))
                .check(main);
    }

    @Test
    void nothingBelowTheCommandLineDependsOnIt() {
        noClasses().that().resideOutsideOfPackage(pkg("cli"))
                .should().dependOnClassesThat().resideInAnyPackage(pkg("cli"), "picocli..")
                .check(main);
    }

    @Test
    void logbackIsConfiguredInOnePackageAndUsedThroughSlf4jElsewhere() {
        noClasses().that().resideOutsideOfPackage(pkg("logging"))
                .should().dependOnClassesThat().resideInAPackage("ch.qos.logback..")
                .check(main);
    }

    @Test
    void nativeDowncallsLiveInTwoClasses() {
        // Linker is where restricted native access starts; everything else uses Native's handles.
        // The one other: SIGHUP's disposition, taken back at start when the process began with it ignored.
        noClasses().that().doNotHaveFullyQualifiedName(ROOT + ".dataplane.io.afpacket.Native")
                .and().doNotHaveFullyQualifiedName(ROOT + ".control.HangupDisposition")
                .should().dependOnClassesThat().haveFullyQualifiedName("java.lang.foreign.Linker")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.lang.foreign.SymbolLookup")
                .check(main);
    }

    @Test
    void everyPackageSaysWhatLivesThereAndOnWhichSide() throws IOException {
        try (Stream<Path> dirs = Files.walk(SOURCES)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                boolean hasSources;
                try (Stream<Path> files = Files.list(dir)) {
                    hasSources = files.anyMatch(f -> f.toString().endsWith(".java"));
                }
                if (!hasSources) {
                    continue;
                }
                Path info = dir.resolve("package-info.java");
                assertTrue(Files.exists(info), "missing " + info);
                String text = Files.readString(info);
                assertTrue(text.contains("Hot path.") || text.contains("Control plane."),
                        info + " starts with \"Hot path.\" or \"Control plane.\"");
            }
        }
    }
}
