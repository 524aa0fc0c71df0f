// Runs mongo-java-server as a Mongo-wire server for Lineup's tests and dev run. It is not MongoDB.
//   lineup-mongo --port N [--bind 127.0.0.1] [--data FILE]
// Without --data the memory backend keeps everything in the heap (lost on exit); with --data the H2 backend
// keeps it in FILE and commits after every command, so a kill -9 loses nothing acknowledged.
// It reports MongoDB 4.4 (wire version 9): the mongodb driver 7.x refuses servers below that, and the
// library's own newest preset says wire version 8.
import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import java.util.List;
import org.h2.mvstore.MVStore;

public final class LineupMongo {
    private static final MongoVersion MONGO_4_4 = new MongoVersion() {
        @Override public List<Integer> getVersionArray() { return List.of(4, 4, 0); }
        @Override public int getWireVersion() { return 9; }
    };

    public static void main(String[] args) {
        String bind = "127.0.0.1";
        int port = 27017;
        String data = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--bind" -> bind = args[i + 1];
                case "--data" -> data = args[i + 1];
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        MongoBackend backend = data == null ? new MemoryBackend() : durable(data);
        backend.version(MONGO_4_4);
        MongoServer server = new MongoServer(backend);
        server.bind(bind, port);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdownNow();
            backend.close();
        }));
        System.out.println("lineup-mongo listening on " + bind + ":" + port + (data == null ? " (memory)" : " (" + data + ")"));
        // Netty's threads are daemons: without this the JVM would exit as soon as main returns.
        try {
            Thread.currentThread().join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static MongoBackend durable(String file) {
        MVStore store = new MVStore.Builder().fileName(file).open();
        return new H2Backend(store) {
            @Override
            public Document handleCommand(Channel channel, String database, String command, Document query) {
                Document answer = super.handleCommand(channel, database, command, query);
                commit();
                return answer;
            }
        };
    }
}
