// java-service: a JVM service with a long start-up (JIT, heap sizing), optionally leaking
// sessions. Scenario java-jit-warmup (no sessions): NOT A LEAK. Scenario java-session-leak
// (-session-bytes and -session-direct): A LEAK.
//
// Reproduces a plain Java 17 service on the JVM's defaults (G1, heap goals sized by
// ergonomics, tiered JIT). Requests go to 48 endpoints with a skewed (Zipf) popularity, as
// real traffic is: the popular endpoints get hot within a second, the rare ones only after
// tens of seconds, so C1 and then C2 keep compiling new hot paths (code cache, compiler
// arenas, metaspace) long after start. Every request builds its response in garbage (a
// few KiB: strings, builders, buffers, boxed maps), so the heap saws up and collects; G1
// starts with a small young generation and grows it over the first collections towards its
// ergonomic maximum (~60 % of the initial heap, itself 1/64 of the machine's memory), and
// each eden region is touched for the first time as allocation reaches it. RSS therefore
// climbs at about the allocation rate for tens of seconds after start (with the defaults,
// ~12 MiB/s from ~8 s to ~25 s on a 24 GiB machine) — far past a 5 s warm-up — and then
// flattens: once the young generation has its final size and every endpoint is compiled,
// the same regions are reused collection after collection. The live set is bounded (a reference table built at start,
// a route table with one compiled pattern per endpoint): not a leak.
//
// With -session-bytes N and -session-direct D, every -login-every'th request is a login
// that creates a session (an attribute map, an N-byte heap payload and a D-byte direct send
// buffer, as NIO servers keep per connection) and puts it in a static map that nothing ever
// evicts: the classic retained-per-request leak (a session store with no expiry). A LEAK,
// whatever the start-up does on top of it. Its RSS shows the direct buffers at once (native
// memory, zeroed when allocated); the heap part shows only much later: the sessions sit in
// survivor regions the young generation had already touched, and RSS grows with them only
// once they are promoted (a heap-only variant at ~5.6 MiB/min raised RSS by ~0.6 MiB/min in
// its first minute). A JVM heap leak is late and small in RSS; the native part is not.
//
// Usage: java -cp DIR JavaService [-rate REQ_PER_S] [-garbage BYTES]
//                                  [-session-bytes N] [-session-direct D] [-login-every K]
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.CRC32;

class JavaService {
    static final int ENDPOINTS = 48;

    static final class Session {
        final long id;
        final Map<String, String> attrs = new HashMap<>();
        final byte[] payload;
        final ByteBuffer sendBuffer;

        Session(long id, int bytes, int direct) {
            this.id = id;
            this.payload = new byte[bytes];
            this.sendBuffer = direct > 0 ? ByteBuffer.allocateDirect(direct) : null;
        }
    }

    // The leak: a session store without expiry.
    static final Map<Long, Session> SESSIONS = new ConcurrentHashMap<>();

    static final class Item {
        final int id;
        final String name;
        final BigDecimal price;
        final String[] tags;

        Item(int id) {
            this.id = id;
            this.name = "item-" + id;
            this.price = BigDecimal.valueOf(id % 9973, 2);
            this.tags = new String[] {"t" + id % 17, "t" + id % 31, "t" + id % 7};
        }
    }

    // The bounded live set, built once.
    static final Item[] TABLE = new Item[20000];
    static final Pattern[] ROUTES = new Pattern[ENDPOINTS];
    static final DateTimeFormatter ISO = DateTimeFormatter.ISO_OFFSET_DATE_TIME;

    static int garbage;

    public static void main(String[] args) throws Exception {
        int rate = 2000;
        garbage = 4096;
        int sessionBytes = 0;
        int sessionDirect = 0;
        int loginEvery = 20;
        for (int i = 0; i + 1 < args.length; i += 2) {
            int v = Integer.parseInt(args[i + 1]);
            switch (args[i]) {
                case "-rate": rate = v; break;
                case "-garbage": garbage = v; break;
                case "-session-bytes": sessionBytes = v; break;
                case "-session-direct": sessionDirect = v; break;
                case "-login-every": loginEvery = v; break;
                default: throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        for (int i = 0; i < TABLE.length; i++) TABLE[i] = new Item(i);
        for (int e = 0; e < ENDPOINTS; e++) ROUTES[e] = Pattern.compile("^/api/v" + (e % 3 + 1) + "/e" + e + "/(\\d+)(?:/([a-z]+))?$");

        // Zipf(1.1) popularity over the endpoints: cumulative weights.
        double[] cdf = new double[ENDPOINTS];
        double sum = 0;
        for (int e = 0; e < ENDPOINTS; e++) {
            sum += 1.0 / Math.pow(e + 1, 1.1);
            cdf[e] = sum;
        }
        for (int e = 0; e < ENDPOINTS; e++) cdf[e] /= sum;

        SplittableRandom rng = new SplittableRandom(1);
        long tickNs = 10_000_000L;
        double perTick = rate / 100.0, due = 0;
        long next = System.nanoTime(), seq = 0, sink = 0;
        for (;;) {
            for (due += perTick; due >= 1; due--) {
                double u = rng.nextDouble();
                int e = 0;
                while (cdf[e] < u) e++;
                int id = rng.nextInt(TABLE.length);
                String path = "/api/v" + (e % 3 + 1) + "/e" + e + "/" + id + (seq % 3 == 0 ? "/full" : "");
                sink += handle(e, path, seq);
                if ((sessionBytes > 0 || sessionDirect > 0) && seq % loginEvery == 0) {
                    Session s = new Session(seq, sessionBytes, sessionDirect);
                    s.attrs.put("user", "user-" + id);
                    s.attrs.put("path", path);
                    SESSIONS.put(seq, s);
                }
                seq++;
            }
            next += tickNs;
            long wait = next - System.nanoTime();
            if (wait > 0) LockSupport.parkNanos(wait);
            if (sink == 42) System.out.println(sink); // keep the work observable
        }
    }

    static int handle(int e, String path, long seq) throws Exception {
        Matcher m = ROUTES[e].matcher(path);
        if (!m.matches()) throw new IllegalStateException(path);
        int id = Integer.parseInt(m.group(1));
        boolean full = m.group(2) != null;
        byte[] buf = new byte[garbage]; // the response buffer: garbage per request
        buf[(int) (seq % garbage)] = (byte) seq;
        String body;
        switch (e % 12) {
            case 0: body = json(TABLE[id], full); break;
            case 1: body = list(id, 8 + e % 5); break;
            case 2: body = price(id, e); break;
            case 3: body = digest(path, e); break;
            case 4: body = timestamp(seq, e); break;
            case 5: body = search(id, e); break;
            case 6: body = group(id, e); break;
            case 7: body = csv(id, e); break;
            case 8: body = String.format("{\"e\":%d,\"id\":%d,\"ratio\":%.4f,\"hex\":\"%x\"}", e, id, id / 7.0, id * 31L); break;
            case 9: body = crc(path, buf); break;
            case 10: body = sorted(id, e); break;
            default: body = headers(path, id); break;
        }
        return body.length() + buf[0];
    }

    static String json(Item it, boolean full) {
        StringBuilder sb = new StringBuilder(256).append("{\"id\":").append(it.id).append(",\"name\":\"").append(it.name)
                .append("\",\"price\":\"").append(it.price.toPlainString()).append('"');
        if (full) {
            sb.append(",\"tags\":[");
            for (int i = 0; i < it.tags.length; i++) sb.append(i > 0 ? "," : "").append('"').append(it.tags[i]).append('"');
            sb.append(']');
        }
        return sb.append('}').toString();
    }

    static String list(int id, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(json(TABLE[(id + i * 97) % TABLE.length], i % 2 == 0));
        return "[" + String.join(",", out) + "]";
    }

    static String price(int id, int e) {
        BigDecimal total = BigDecimal.ZERO;
        for (int i = 0; i < 6 + e % 4; i++) total = total.add(TABLE[(id + i) % TABLE.length].price.multiply(BigDecimal.valueOf(i + 1)));
        BigDecimal tax = total.multiply(new BigDecimal("0.19")).setScale(2, RoundingMode.HALF_EVEN);
        return "{\"total\":\"" + total + "\",\"tax\":\"" + tax + "\"}";
    }

    static String digest(String path, int e) throws Exception {
        MessageDigest md = MessageDigest.getInstance(e % 2 == 0 ? "SHA-256" : "MD5");
        byte[] d = md.digest((path + e).getBytes(StandardCharsets.UTF_8));
        return Base64.getEncoder().encodeToString(d);
    }

    static String timestamp(long seq, int e) {
        return ISO.format(Instant.ofEpochSecond(1_700_000_000L + seq * (e + 1)).atOffset(ZoneOffset.ofHours(e % 12)));
    }

    static String search(int id, int e) {
        String tag = "t" + (id % 17);
        return IntStream.range(0, 64).mapToObj(i -> TABLE[(id + i * 13) % TABLE.length])
                .filter(it -> it.tags[0].equals(tag) || it.id % (e + 2) == 0)
                .map(it -> it.name).limit(10).collect(Collectors.joining(",", "[", "]"));
    }

    static String group(int id, int e) {
        Map<String, Long> g = IntStream.range(0, 48).mapToObj(i -> TABLE[(id + i * 11) % TABLE.length])
                .collect(Collectors.groupingBy(it -> it.tags[e % 3], TreeMap::new, Collectors.counting()));
        return g.toString();
    }

    static String csv(int id, int e) {
        String line = TABLE[id].name + ";" + TABLE[id].price + ";" + String.join("|", TABLE[id].tags) + ";" + e;
        String[] f = line.split(";");
        return f[0].toUpperCase() + "," + new BigDecimal(f[1]).scaleByPowerOfTen(2).intValue() + "," + f[2].replace('|', ' ');
    }

    static String crc(String path, byte[] buf) {
        CRC32 c = new CRC32();
        c.update(path.getBytes(StandardCharsets.US_ASCII));
        c.update(buf, 0, Math.min(buf.length, 1024));
        return Long.toHexString(c.getValue());
    }

    static String sorted(int id, int e) {
        List<Item> l = new ArrayList<>();
        for (int i = 0; i < 40; i++) l.add(TABLE[(id + i * 211) % TABLE.length]);
        l.sort((a, b) -> e % 2 == 0 ? a.price.compareTo(b.price) : a.name.compareTo(b.name));
        return l.get(0).name + ".." + l.get(l.size() - 1).name;
    }

    static String headers(String path, int id) {
        Map<String, String> h = new HashMap<>();
        h.put("Content-Type", "application/json");
        h.put("X-Request-Path", path);
        h.put("ETag", Integer.toHexString(path.hashCode() ^ id));
        h.put("Cache-Control", "max-age=" + (id % 600));
        return h.entrySet().stream().map(x -> x.getKey() + ": " + x.getValue()).sorted().collect(Collectors.joining("\r\n"));
    }
}
