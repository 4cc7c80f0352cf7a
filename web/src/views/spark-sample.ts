/**
 * The wizard's sample job: a PySpark word count of a text file in the tenant's data folder. The page
 * uploads it (and a small text, when the folder has none to count) into `sample/` before it submits.
 */
export const SAMPLE_APP = 'sample/wordcount.py';
export const SAMPLE_INPUT = 'sample/words.txt';
export const SAMPLE_OUTPUT = 'sample/counts.csv';

export const SAMPLE_APP_TEXT = `"""Flotilla's sample job: count the words of a text file in your data folder.

    wordcount.py <input> <output.csv>     (both relative to the data folder, $FLOTILLA_DATA)

Two stages (split and count on the executors, one reduce), then the driver sorts and writes the
counts: a small cluster on a busy machine finishes it in a minute or two.
"""
import csv
import os
import re
import sys
from operator import add

from pyspark.sql import SparkSession

data = os.environ.get("FLOTILLA_DATA", ".")
source, target = (os.path.join(data, p) for p in sys.argv[1:3])
word = re.compile(r"[^\\W_]+(?:'[^\\W_]+)*")

spark = SparkSession.builder.appName("flotilla-sample-wordcount").getOrCreate()
spark.sparkContext.setLogLevel("WARN")  # the counts, not Spark's progress, end the output
counts = (
    spark.sparkContext.textFile(source)
    .flatMap(lambda line: word.findall(line.lower()))
    .map(lambda w: (w, 1))
    .reduceByKey(add, 1)
    .collect()
)
counts.sort(key=lambda wc: (-wc[1], wc[0]))
os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
with open(target, "w", newline="") as out:
    writer = csv.writer(out)
    writer.writerow(["word", "count"])
    writer.writerows(counts)
for w, c in counts[:10]:
    print(f"{w}\\t{c}")
print(f"counted {len(counts)} distinct words in {sys.argv[1]}; every count is in {sys.argv[2]}")
spark.stop()
`;

export const SAMPLE_INPUT_TEXT =
  Array.from(
    { length: 200 },
    (_, i) => `Spark counts the words of line ${i % 10} in the tenant's data folder, spark by spark.`,
  ).join('\n') + '\n';
