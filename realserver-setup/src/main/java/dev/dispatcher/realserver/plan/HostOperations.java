package dev.dispatcher.realserver.plan;

/** Carries out one {@link Change} on the host; the seam where tests inject failures. */
@FunctionalInterface
public interface HostOperations {
    void perform(Change change);
}
