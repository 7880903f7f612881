package dev.dispatcher.admin;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection whose request has not fully arrived {@code requestMillis} after the
 * connection opened, or whose answer has not been taken {@code answerMillis} after the request
 * arrived. Idle timeouts alone would not do: a client sending (or reading) one byte a second
 * restarts them forever. The checks run on the scheduler, apart from the threads that serve
 * requests, so they fire however busy those are. Connections carry one request each (no
 * keep-alive), so the time from opening is the request's.
 *
 * <p>Whoever takes a connection out of {@link #arriving} first decides its fate: the scheduler
 * (closed, nothing applied) or {@link #arrived} (served). So a request is either refused whole or
 * served, never cut off between its checks and its change. Closing a connection whose answer is
 * overdue does not stop the change in progress; only its answer is lost.
 */
final class ExchangeDeadlines implements Connection.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(ExchangeDeadlines.class);

    private final Scheduler scheduler;
    private final long requestMillis;
    private final long answerMillis;
    private final Map<Connection, Scheduler.Task> arriving = new ConcurrentHashMap<>();
    private final Map<Connection, Scheduler.Task> answering = new ConcurrentHashMap<>();

    ExchangeDeadlines(Scheduler scheduler, long requestMillis, long answerMillis) {
        this.scheduler = scheduler;
        this.requestMillis = requestMillis;
        this.answerMillis = answerMillis;
    }

    @Override
    public void onOpened(Connection connection) {
        arriving.put(connection, scheduler.schedule(() -> expire(arriving, connection, "no complete request within "
                + requestMillis + " ms"), requestMillis, TimeUnit.MILLISECONDS));
    }

    @Override
    public void onClosed(Connection connection) {
        cancel(arriving.remove(connection));
        cancel(answering.remove(connection));
    }

    /**
     * The request on {@code connection} has fully arrived: from now on its answer's deadline
     * applies. False when the request's deadline has passed first: the connection is being closed
     * and the request must not be acted on.
     */
    boolean arrived(Connection connection) {
        Scheduler.Task request = arriving.remove(connection);
        if (request == null) {
            return false;
        }
        request.cancel();
        answering.put(connection, scheduler.schedule(() -> expire(answering, connection, "answer not taken within "
                + answerMillis + " ms"), answerMillis, TimeUnit.MILLISECONDS));
        return true;
    }

    private static void cancel(Scheduler.Task task) {
        if (task != null) {
            task.cancel();
        }
    }

    private static void expire(Map<Connection, Scheduler.Task> phase, Connection connection, String why) {
        if (phase.remove(connection) != null) {
            LOG.debug("admin: dropped {}: {}", connection.getEndPoint().getRemoteSocketAddress(), why);
            connection.getEndPoint().close();
        }
    }
}
