#!/usr/bin/env bash
# Offline evaluation of the recommenders on UCI Online Retail, protocol of
# ../shared/data/online-retail/README.md (next-period purchases, full ranking).
#   bench/recommend-eval.sh [DATA_CSV_GZ]     (needs build/native/tailor)
# Validation split (used for every tuning decision): train < 2011-10-01, test October.
# Test split (reported): train < 2011-11-01, test 2011-11-01 .. 2011-12-09.
set -euo pipefail
cd "$(dirname "$0")/.."
csv=${1:-../shared/data/online-retail/online_retail.csv.gz}
[[ -f $csv ]] || csv=/work/shared/data/online-retail/online_retail.csv.gz
out=${TMPDIR:-/tmp}/tailor-online-retail
mkdir -p "$out/test" "$out/val"
tailor=build/native/tailor
$tailor import-online-retail "$csv" --out "$out/test"
$tailor import-online-retail "$csv" --out "$out/val" --split 2011-10-01 --until 2011-11-01
echo "== validation split (tuning)"
$tailor eval --train "$out/val/train.jsonl" --test "$out/val/test.tsv" --k 10,20 \
  --method repeat,ease,blend --variant all,new
echo "== test split (reported)"
/usr/bin/time -f "eval wall %e s, max RSS %M KB" \
  $tailor eval --train "$out/test/train.jsonl" --test "$out/test/test.tsv" --k 10,20 \
  --method popular,repeat,itemknn,ease,ease_sparse,blend --variant all,new
echo "== learned ranker: trained on the validation period (features from the < 2011-10-01 model, October labels)"
mkdir -p "$out/ranker"
$tailor train-ranker --train "$out/val/train.jsonl" --labels "$out/val/test.tsv" --out "$out/ranker/all.json" \
  --onnx "$out/ranker/all.onnx"
$tailor train-ranker --train "$out/val/train.jsonl" --labels "$out/val/test.tsv" --out "$out/ranker/new.json" \
  --variant new
$tailor eval --train "$out/test/train.jsonl" --test "$out/test/test.tsv" --k 10,20 \
  --method ranker --ranker "$out/ranker/all.json" --variant all
$tailor eval --train "$out/test/train.jsonl" --test "$out/test/test.tsv" --k 10,20 \
  --method ranker --ranker "$out/ranker/new.json" --variant new
echo "== reference baselines exactly as in the data README (binary item-kNN, binary EASE lambda=200)"
$tailor eval --train "$out/test/train.jsonl" --test "$out/test/test.tsv" --k 20 \
  --method itemknn,ease --variant all,new --binary --top-n 1000 --ease-half-life 0
