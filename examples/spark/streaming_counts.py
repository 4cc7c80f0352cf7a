"""Running counts per key of a Kafka topic, with Spark Structured Streaming.

    flotilla spark submit --connector kafka <service> streaming_counts.py \\
        <bootstrap.servers> <topic> <output> [available-now|continuous]

<bootstrap.servers> is the `bootstrap` value of `flotilla service endpoints <kafka service>`.
<output> is a folder in the tenant's data folder ($FLOTILLA_DATA; relative paths are taken from
there): after every micro-batch it holds the counts so far as one JSON file ({"key", "count"} per
line), and <output>.checkpoint the query's offsets and state, so that a second run goes on counting
where the first stopped. `available-now` (the default) reads what the topic holds and stops;
`continuous` keeps reading every 5 seconds until `flotilla spark kill`.

--connector kafka hands Spark's Kafka source (spark-sql-kafka-0-10 and kafka-clients, pinned and
verified by Flotilla) to the driver and the executors.
"""
import os
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

if len(sys.argv) < 4:
    sys.exit(__doc__)
bootstrap, topic, output = sys.argv[1], sys.argv[2], sys.argv[3]
mode = sys.argv[4] if len(sys.argv) > 4 else "available-now"
output = os.path.join(os.environ.get("FLOTILLA_DATA", "."), output)

spark = (
    SparkSession.builder.appName(f"flotilla-streaming-counts-{topic}")
    # A small cluster: a few state partitions, not Spark's 200 (fixed by the checkpoint afterwards).
    .config("spark.sql.shuffle.partitions", "4")
    .getOrCreate()
)

records = (
    spark.readStream.format("kafka")
    .option("kafka.bootstrap.servers", bootstrap)
    .option("subscribe", topic)
    .option("startingOffsets", "earliest")
    .load()
)
counts = records.select(F.col("key").cast("string").alias("key")).groupBy("key").count()


def write_counts(batch, batch_id):
    rows = batch.orderBy("key").collect()
    # Complete mode: each batch is the whole table so far; replace the previous one.
    batch.coalesce(1).write.mode("overwrite").json(output)
    print(f"batch {batch_id}: {len(rows)} keys, {sum(r['count'] for r in rows)} records", flush=True)
    for r in rows:
        print(f"  {r['key']}\t{r['count']}", flush=True)


writer = (
    counts.writeStream.outputMode("complete")
    .foreachBatch(write_counts)
    .option("checkpointLocation", output.rstrip("/") + ".checkpoint")
)
if mode == "continuous":
    writer = writer.trigger(processingTime="5 seconds")
elif mode == "available-now":
    writer = writer.trigger(availableNow=True)
else:
    sys.exit(f"mode must be available-now or continuous, not {mode!r}")

query = writer.start()
query.awaitTermination()
spark.stop()
