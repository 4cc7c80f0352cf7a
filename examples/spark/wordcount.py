"""Word count on a Flotilla Spark service.

    flotilla spark submit <service> <data>/wordcount.py <input> <output>

<input> is a text file and <output> a folder, both in the tenant's data folder (relative paths are
taken from there: $FLOTILLA_DATA, the same path for the driver and every executor). Writes
<output>/part-*.csv (word,count; most frequent first) and prints the 20 most frequent words.
"""
import os
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

data = os.environ.get("FLOTILLA_DATA", ".")
source = os.path.join(data, sys.argv[1] if len(sys.argv) > 1 else "words.txt")
target = os.path.join(data, sys.argv[2] if len(sys.argv) > 2 else "wordcount")

spark = SparkSession.builder.appName("flotilla-wordcount").getOrCreate()
words = (
    spark.read.text(source)
    .select(F.explode(F.split(F.lower(F.col("value")), r"[^\p{L}\p{N}']+")).alias("word"))
    .where(F.col("word") != "")
)
counts = words.groupBy("word").count().orderBy(F.desc("count"), F.asc("word")).cache()
# One file, written by an executor into the shared data folder and committed by the driver.
counts.coalesce(1).write.mode("overwrite").option("header", True).csv(target)
for row in counts.limit(20).collect():
    print(f"{row['word']}\t{row['count']}")
print(f"{counts.count()} distinct words from {source} -> {target}")
spark.stop()
