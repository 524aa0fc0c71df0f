// Runs mongo-java-server as a Mongo-wire server for Lineup's tests and dev run. It is not MongoDB.
//   lineup-mongo --port N [--bind 127.0.0.1] [--data FILE]
// Without --data the memory backend keeps everything in the heap (lost on exit); with --data the H2 backend
// keeps it in FILE and commits after every command, so a kill -9 loses nothing acknowledged.
// It reports MongoDB 4.4 (wire version 9): the mongodb driver 7.x refuses servers below that, and the
// library's own newest preset says wire version 8.
// One change makes it behave more like MongoDB: a filter with an `_id` equality (or `_id: {$in: [...]}`) and more
// fields is answered from the _id index and then filtered, as MongoDB's planner does; the library scans the whole
// collection unless a filter's keys match a unique index exactly, so every fenced update ({_id, status, attempts})
// would cost a scan.
import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;
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
        MongoBackend backend = data == null ? new IdFirstMemoryBackend() : durable(data);
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

    /** The memory backend, with collections that use the _id index for any filter with an _id equality. */
    static final class IdFirstMemoryBackend extends MemoryBackend {
        @Override
        public MemoryDatabase openOrCreateDatabase(String databaseName) {
            return new MemoryDatabase(databaseName, getCursorRegistry()) {
                @Override
                protected MemoryCollection openOrCreateCollection(String collectionName, CollectionOptions options) {
                    return new IdFirstCollection(this, collectionName, options, cursorRegistry);
                }
            };
        }
    }

    static final class IdFirstCollection extends MemoryCollection {
        IdFirstCollection(MongoDatabase database, String name, CollectionOptions options, CursorRegistry cursors) {
            super(database, name, options, cursors);
        }

        @Override
        protected QueryResult queryDocuments(Document query, Document orderBy, int skip, int limit, int batchSize,
                                             Document fieldSelector) {
            Object id = query.get("_id");
            boolean narrowable = id != null && query.size() > 1
                && (!(id instanceof Document byOperator) || byOperator.keySet().equals(java.util.Set.of("$in")));
            if (narrowable) {
                Document byId = new Document("_id", id);
                for (Index<Integer> index : getIndexes()) {
                    if (index.canHandle(byId)) {
                        // The index narrows the candidates; the whole filter still decides.
                        return matchDocuments(query, index.getPositions(byId), orderBy, skip, limit, batchSize,
                            fieldSelector);
                    }
                }
            }
            return super.queryDocuments(query, orderBy, skip, limit, batchSize, fieldSelector);
        }
    }
}
