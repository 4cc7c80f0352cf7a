import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The failure lab's Kafka workload (docs/failure-lab.md), with Kafka's own Java client: the kafkajs
 * producer was found to acknowledge messages a killed leader never stored, so the lab does not trust
 * a reimplementation of the protocol to say what was acknowledged.
 *
 * <p>Subcommands, each writing one JSON object a line on stdout:
 *
 * <ul>
 *   <li>{@code create}: creates the topic (RF, partitions, configs) unless it exists.
 *   <li>{@code produce}: sends value n (0, 1, 2…) with key n % keys
 *       at {@code --rate} per second from stdin's first line until stdin closes; prints invoke, then ok (partition, offset) or
 *       info (the error: a failed send may still have been written), with epoch-millisecond times.
 *   <li>{@code consume}: reads every partition from the beginning to the end offsets of now.
 *   <li>{@code leader}: the active controller (KRaft quorum leader, or the ZooKeeper-mode controller)
 *       and each partition's leader of {@code --topic}.
 * </ul>
 */
public final class Workload {
  private static final PrintStream OUT =
      new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);

  public static void main(String[] argv) throws Exception {
    Map<String, List<String>> a = parse(argv);
    String cmd = argv.length > 0 ? argv[0] : "";
    switch (cmd) {
      case "create" -> createTopic(a, one(a, "topic", "flotilla-lab"));
      case "produce" -> produce(a);
      case "consume" -> consume(a);
      case "leader" -> leader(a);
      default -> {
        System.err.println("usage: Workload produce|consume|leader --bootstrap host:port,... [--topic t] ...");
        System.exit(2);
      }
    }
    OUT.flush();
    System.exit(0);
  }

  private static Map<String, List<String>> parse(String[] argv) {
    Map<String, List<String>> m = new HashMap<>();
    for (int i = 1; i + 1 < argv.length; i += 2) {
      m.computeIfAbsent(argv[i].replaceFirst("^--", ""), k -> new ArrayList<>()).add(argv[i + 1]);
    }
    return m;
  }

  private static String one(Map<String, List<String>> a, String k, String dflt) {
    List<String> v = a.get(k);
    return v == null || v.isEmpty() ? dflt : v.get(0);
  }

  private static synchronized void emit(String line) {
    OUT.println(line);
    OUT.flush();
  }

  private static String q(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  private static double now() {
    return System.currentTimeMillis() + (System.nanoTime() % 1_000_000) / 1e6;
  }

  private static Properties common(Map<String, List<String>> a) {
    Properties p = new Properties();
    p.put("bootstrap.servers", one(a, "bootstrap", "127.0.0.1:9092"));
    p.put("client.id", "flotilla-lab");
    return p;
  }

  private static void createTopic(Map<String, List<String>> a, String topic) throws Exception {
    Properties p = common(a);
    p.put("request.timeout.ms", "15000");
    p.put("default.api.timeout.ms", "60000");
    try (Admin admin = Admin.create(p)) {
      Map<String, String> configs = new HashMap<>();
      for (String kv : a.getOrDefault("config", List.of())) {
        int eq = kv.indexOf('=');
        configs.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
      NewTopic t =
          new NewTopic(
                  topic,
                  Integer.parseInt(one(a, "partitions", "3")),
                  Short.parseShort(one(a, "replication-factor", "3")))
              .configs(configs);
      try {
        admin.createTopics(List.of(t)).all().get(60, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) throw e;
      }
      // Until every partition has a leader, the first sends would only wait for metadata.
      long deadline = System.currentTimeMillis() + 60_000;
      for (; ; ) {
        try {
          TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
          if (d.partitions().stream().allMatch(pi -> pi.leader() != null && !pi.leader().isEmpty())) break;
        } catch (ExecutionException e) {
          // A broker that has not heard of the new topic yet (UnknownTopicOrPartition): ask again.
          if (System.currentTimeMillis() > deadline) throw e;
        }
        if (System.currentTimeMillis() > deadline) throw new IllegalStateException("no leader for " + topic);
        Thread.sleep(200);
      }
    }
  }

  private static void produce(Map<String, List<String>> a) throws Exception {
    String topic = one(a, "topic", "flotilla-lab");
    Properties p = common(a);
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    p.put("acks", one(a, "acks", "all"));
    p.put("enable.idempotence", one(a, "idempotence", "true"));
    p.put("linger.ms", "5");
    p.put("request.timeout.ms", one(a, "request-timeout-ms", "5000"));
    p.put("delivery.timeout.ms", one(a, "delivery-timeout-ms", "20000"));
    p.put("max.block.ms", "5000");
    p.put("retry.backoff.ms", "100");
    double rate = Double.parseDouble(one(a, "rate", "100"));
    int keys = Integer.parseInt(one(a, "keys", "64"));
    // stdin: a first line says go (the experiment's clock has started), its end says stop.
    AtomicBoolean go = new AtomicBoolean(false);
    AtomicBoolean stop = new AtomicBoolean(false);
    Thread stdin =
        new Thread(
            () -> {
              try (BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                while (r.readLine() != null) go.set(true);
              } catch (Exception ignored) {
                // stdin gone: stop all the same
              }
              stop.set(true);
              go.set(true);
            });
    stdin.setDaemon(true);
    stdin.start();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      // The JVM and the producer are up: the lab starts its clock, then says go.
      emit("{\"type\":\"started\",\"time\":" + now() + "}");
      while (!go.get()) Thread.sleep(5);
      long periodNs = (long) (1e9 / rate);
      long next = System.nanoTime();
      for (long n = 0; !stop.get(); n++) {
        long wait = next - System.nanoTime();
        if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
        next += periodNs;
        final long seq = n;
        String key = "k" + (seq % keys);
        emit("{\"type\":\"invoke\",\"process\":" + seq + ",\"f\":\"send\",\"value\":" + seq + ",\"key\":" + q(key) + ",\"time\":" + now() + "}");
        try {
          producer.send(
              new ProducerRecord<>(topic, key, Long.toString(seq)),
              (md, err) -> {
                if (err == null) {
                  emit("{\"type\":\"ok\",\"process\":" + seq + ",\"f\":\"send\",\"value\":" + seq + ",\"partition\":" + md.partition() + ",\"offset\":" + md.offset() + ",\"time\":" + now() + "}");
                } else {
                  // Even an idempotent producer's failed send may have been written: unknown, not failed.
                  emit("{\"type\":\"info\",\"process\":" + seq + ",\"f\":\"send\",\"value\":" + seq + ",\"error\":" + q(err.getClass().getSimpleName() + ": " + err.getMessage()) + ",\"time\":" + now() + "}");
                }
              });
        } catch (Exception err) {
          emit("{\"type\":\"info\",\"process\":" + seq + ",\"f\":\"send\",\"value\":" + seq + ",\"error\":" + q(err.getClass().getSimpleName() + ": " + err.getMessage()) + ",\"time\":" + now() + "}");
        }
      }
      producer.flush();
    }
    emit("{\"type\":\"stopped\",\"time\":" + now() + "}");
  }

  private static void consume(Map<String, List<String>> a) {
    String topic = one(a, "topic", "flotilla-lab");
    Properties p = common(a);
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", StringDeserializer.class.getName());
    p.put("isolation.level", one(a, "isolation", "read_committed"));
    p.put("enable.auto.commit", "false");
    p.put("auto.offset.reset", "earliest");
    p.put("default.api.timeout.ms", "60000");
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
      List<TopicPartition> parts = new ArrayList<>();
      consumer.partitionsFor(topic, Duration.ofSeconds(60)).forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(60));
      long deadline = System.currentTimeMillis() + Long.parseLong(one(a, "timeout-ms", "120000"));
      while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.currentTimeMillis() > deadline) throw new IllegalStateException("could not read to the end of " + topic + " in time");
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
          emit("{\"type\":\"read\",\"partition\":" + r.partition() + ",\"offset\":" + r.offset() + ",\"key\":" + q(String.valueOf(r.key())) + ",\"value\":" + q(String.valueOf(r.value())) + "}");
        }
      }
      StringBuilder b = new StringBuilder("{\"type\":\"end\",\"offsets\":{");
      String sep = "";
      for (TopicPartition tp : parts) {
        b.append(sep).append('"').append(tp.partition()).append("\":").append(end.get(tp));
        sep = ",";
      }
      emit(b.append("}}").toString());
    }
  }

  private static void leader(Map<String, List<String>> a) throws Exception {
    Properties p = common(a);
    p.put("request.timeout.ms", "5000");
    p.put("default.api.timeout.ms", "10000");
    try (Admin admin = Admin.create(p)) {
      Integer quorum = null;
      try {
        quorum = admin.describeMetadataQuorum().quorumInfo().get(10, TimeUnit.SECONDS).leaderId();
      } catch (Exception e) {
        // ZooKeeper mode has no metadata quorum: its controller is the broker describeCluster names.
      }
      Integer controller = null;
      if (quorum == null) {
        Node c = admin.describeCluster().controller().get(10, TimeUnit.SECONDS);
        controller = c == null || c.isEmpty() ? null : c.id();
      }
      StringBuilder b = new StringBuilder("{\"type\":\"leader\",\"controller\":");
      b.append(quorum != null ? quorum : controller).append(",\"partitions\":[");
      String topic = one(a, "topic", null);
      if (topic != null) {
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
        String sep = "";
        for (TopicPartitionInfo pi : d.partitions()) {
          Node l = pi.leader();
          b.append(sep).append("{\"partition\":").append(pi.partition()).append(",\"leader\":").append(l == null || l.isEmpty() ? "null" : Integer.toString(l.id())).append('}');
          sep = ",";
        }
      }
      emit(b.append("]}").toString());
    }
  }
}
