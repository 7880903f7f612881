package dev.dispatcher.cli;

import picocli.CommandLine;

/** The version from the jar manifest, so there is one source of truth: the pom. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = DispatcherMain.class.getPackage().getImplementationVersion();
        return new String[] {"dispatcher " + (version == null ? "(development build)" : version),
            "Java " + Runtime.version()};
    }
}
