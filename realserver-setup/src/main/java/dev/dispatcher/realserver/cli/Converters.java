package dev.dispatcher.realserver.cli;

import dev.dispatcher.realserver.kernel.Ipv4Address;
import dev.dispatcher.realserver.plan.HiddenArpSettings;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** picocli converters, so bad input is a usage error (exit 2) before anything runs. */
final class Converters {
    private Converters() {}

    static final class Vip implements ITypeConverter<Ipv4Address> {
        @Override
        public Ipv4Address convert(String value) {
            try {
                return Ipv4Address.parseVip(value);
            } catch (IllegalArgumentException ex) {
                throw new TypeConversionException(ex.getMessage());
            }
        }
    }

    static final class ArpIgnore implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return switch (value) {
                case "3" -> HiddenArpSettings.ARP_IGNORE_SCOPE_HOST;
                case "1" -> HiddenArpSettings.ARP_IGNORE_RECEIVING_INTERFACE;
                default -> throw new TypeConversionException("'" + value + "' is not offered: use 3 (the recipe: hide"
                        + " scope-host addresses) or 1 (the LVS alternative: "
                        + "answer only for the receiving interface's addresses)");
            };
        }
    }

    /**
     * A directory option. An empty (or blank) value is refused: {@code Path.of("")} is the current
     * directory, so {@code --state-dir "$UNSET_VARIABLE"} would quietly keep state, or write boot
     * files, wherever the shell happens to be.
     */
    static final class Directory implements ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            if (value.isBlank()) {
                throw new TypeConversionException(
                        "the path is empty (it would mean the current directory); give the directory");
            }
            if (value.chars().anyMatch(Character::isISOControl)) {
                throw new TypeConversionException("the path holds a control character");
            }
            try {
                return Path.of(value);
            } catch (InvalidPathException ex) {
                throw new TypeConversionException("'" + value + "' is not a valid path: " + ex.getReason());
            }
        }
    }
}
