// JvmLeak — a test helper for leaksoak's JVM evidence (evidence.jvm): it keeps a Session per
// iteration in a list that only grows (a session cache never evicted), about 5,000 a
// second, so `jcmd PID GC.class_histogram` at two moments shows `Session` growing.
// --fixed: the cache keeps the last 1,000 sessions only.
import java.util.ArrayDeque;

final class Session {
    final long id;
    final byte[] token = new byte[48];

    Session(long id) {
        this.id = id;
    }
}

public final class JvmLeak {
    public static void main(String[] args) throws InterruptedException {
        boolean fixed = args.length > 0 && args[0].equals("--fixed");
        ArrayDeque<Session> sessions = new ArrayDeque<>();
        for (long i = 0;; i++) {
            sessions.addLast(new Session(i));
            if (fixed && sessions.size() > 1000)
                sessions.removeFirst();
            if (i % 50 == 0)
                Thread.sleep(10);
        }
    }
}
