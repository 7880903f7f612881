package dev.dispatcher.admin;

/**
 * What one client may take from the admin API: every bound that keeps a slow, oversized or
 * never-finishing request from holding up the others.
 *
 * @param requestDeadlineMillis time from a connection's opening until its request line, headers and
 *                              body have all arrived; a later one is dropped without an answer
 * @param answerDeadlineMillis  time from the request's arrival until its answer has been taken by
 *                              the client; far more than any endpoint takes, so that only a client
 *                              that stopped reading (or reads a byte at a time) is cut off
 * @param maxConnections        connections open at once; further ones wait in the listen backlog
 * @param maxHeaderBytes        request line and headers together; larger is refused with 431
 * @param maxBodyBytes          request body; larger is refused with 413
 */
record AdminLimits(long requestDeadlineMillis, long answerDeadlineMillis, int maxConnections, int maxHeaderBytes,
        int maxBodyBytes) {
    /**
     * A legitimate request (the command line, curl, a Prometheus scrape) is sent whole at once and
     * fits in 1 KiB of headers and body; the connection cap lets far more than the few expected
     * clients in, so a handful of stuck ones leave room for the rest.
     */
    static final AdminLimits DEFAULT = new AdminLimits(5_000, 30_000, 256, 8 * 1024, 64 * 1024);

    AdminLimits {
        if (requestDeadlineMillis < 1 || answerDeadlineMillis < 1 || maxConnections < 1 || maxHeaderBytes < 1024
                || maxBodyBytes < 1) {
            throw new IllegalArgumentException("admin limits out of range: " + requestDeadlineMillis + " ms, "
                    + answerDeadlineMillis + " ms, " + maxConnections + " connections, " + maxHeaderBytes
                    + " header bytes, " + maxBodyBytes + " body bytes");
        }
    }
}
