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
mkdir -p "$out/test" "$out/val" "$out/pre"
tailor=build/native/tailor
$tailor import-online-retail "$csv" --out "$out/test"
$tailor import-online-retail "$csv" --out "$out/val" --split 2011-10-01 --until 2011-11-01
# Ranker tuning split: train < 2011-09-01, labels September; its rankers are scored on "val".
$tailor import-online-retail "$csv" --out "$out/pre" --split 2011-09-01 --until 2011-10-01
# The month before, pooled with September to train the MLP rankers scored on "val".
mkdir -p "$out/aug"
$tailor import-online-retail "$csv" --out "$out/aug" --split 2011-08-01 --until 2011-09-01
# The ranker features added with the MLP (format version 2); --drop them for the v2 logistic rankers.
repeat_features=orders,days_since_order,shopper_items,item_days,days_since_item,due,own_due
echo "== trending half-life and weight of the blend (validation; no change: every cell within 0.001)"
for th in 14 7 30; do
  $tailor eval --train "$out/val/train.jsonl" --test "$out/val/test.tsv" --k 20 --method blend --variant all \
    --trend-half-life $th --w-trend 0.025,0.05,0.1 --dim 0
done
$tailor eval --train "$out/val/train.jsonl" --test "$out/val/test.tsv" --k 20 --method blend --variant all --dim 0 \
  --history-half-life 180,240,360 --repeat-power 0.25,0.5,1 --w-ease 0.2,0.25,0.35
echo "== validation split (tuning)"
$tailor eval --train "$out/val/train.jsonl" --test "$out/val/test.tsv" --k 10,20 \
  --method repeat,ease,embedding,blend --variant all,new
echo "== ranker settings on the validation split (rankers trained on September labels)"
mkdir -p "$out/ranker"
for l2 in 1 100; do
  $tailor train-ranker --train "$out/pre/train.jsonl" --labels "$out/pre/test.tsv" --out "$out/ranker/pre-$l2.json" \
    --l2 $l2 --candidates 200 --drop $repeat_features >/dev/null
  echo "l2=$l2 candidates=200: $($tailor eval --train "$out/val/train.jsonl" --test "$out/val/test.tsv" --k 20 \
    --method ranker --ranker "$out/ranker/pre-$l2.json" --variant all 2>/dev/null | tail -1)"
done
for rc in 50 100 200 300; do
  echo "l2=100 ranker-candidates=$rc: $($tailor eval --train "$out/val/train.jsonl" --test "$out/val/test.tsv" --k 20 \
    --method ranker --ranker "$out/ranker/pre-100.json" --variant all --ranker-candidates $rc 2>/dev/null | tail -1)"
done
echo "== MLP ranker on the validation split (trained on September, or August + September pooled)"
# Each line: train-ranker flags -> validation Recall@20 etc. (variant all).
mlp_val() {  # NAME RANKER_CANDIDATES TRAIN_RANKER_FLAGS...
  local name=$1 rc=$2; shift 2
  $tailor train-ranker "$@" --out "$out/ranker/pre-$name.json" --candidates 200 >/dev/null
  echo "$name ranker-candidates=$rc: $($tailor eval --train "$out/val/train.jsonl" --test "$out/val/test.tsv" --k 20 \
    --method ranker --ranker "$out/ranker/pre-$name.json" --variant all --ranker-candidates $rc 2>/dev/null | tail -1)"
}
sep=(--train "$out/pre/train.jsonl" --labels "$out/pre/test.tsv")
pooled=(--train "$out/aug/train.jsonl,$out/pre/train.jsonl" --labels "$out/aug/test.tsv,$out/pre/test.tsv")
mlp_val logistic-19 100 "${sep[@]}" --l2 100
mlp_val mlp16-pointwise-1 100 "${sep[@]}" --model mlp --hidden 16 --loss pointwise --ensemble 1
mlp_val mlp16-listwise-1 100 "${sep[@]}" --model mlp --hidden 16 --ensemble 1
for seed in 42 100; do
  mlp_val mlp8x5-s$seed 100 "${sep[@]}" --model mlp --seed $seed
  echo "mlp8x5-s$seed ranker-candidates=50: $($tailor eval --train "$out/val/train.jsonl" --test "$out/val/test.tsv" \
    --k 20 --method ranker --ranker "$out/ranker/pre-mlp8x5-s$seed.json" --variant all --ranker-candidates 50 \
    2>/dev/null | tail -1)"
  mlp_val mlp8x5-s$seed-no-repeat-features 100 "${sep[@]}" --model mlp --seed $seed --drop $repeat_features
  mlp_val mlp8x5-pooled-s$seed 100 "${pooled[@]}" --model mlp --seed $seed
  for rc in 50 200; do
    echo "mlp8x5-pooled-s$seed ranker-candidates=$rc: $($tailor eval --train "$out/val/train.jsonl" --test "$out/val/test.tsv" \
      --k 20 --method ranker --ranker "$out/ranker/pre-mlp8x5-pooled-s$seed.json" --variant all --ranker-candidates $rc \
      2>/dev/null | tail -1)"
  done
done
echo "== variant new on the validation split (rankers trained on September): v2 features, 19 features, MLP"
for flags in "--drop $repeat_features" "" "--model mlp"; do
  $tailor train-ranker "${sep[@]}" --variant new --out "$out/ranker/pre-new.json" $flags >/dev/null
  echo "new [$flags]: $($tailor eval --train "$out/val/train.jsonl" --test "$out/val/test.tsv" --k 20 \
    --method ranker --ranker "$out/ranker/pre-new.json" --variant new 2>/dev/null | tail -1)"
done
echo "== test split (reported)"
/usr/bin/time -f "eval wall %e s, max RSS %M KB" \
  $tailor eval --train "$out/test/train.jsonl" --test "$out/test/test.tsv" --k 10,20 \
  --method popular,repeat,itemknn,ease,ease_sparse,embedding,blend --variant all,new
echo "== learned ranker: trained on the validation period (features from the < 2011-10-01 model, October labels)"
$tailor train-ranker --train "$out/val/train.jsonl" --labels "$out/val/test.tsv" --out "$out/ranker/all.json" \
  --onnx "$out/ranker/all.onnx" --l2 100 --candidates 200 --drop $repeat_features
$tailor train-ranker --train "$out/val/train.jsonl" --labels "$out/val/test.tsv" --out "$out/ranker/new.json" \
  --variant new --drop $repeat_features
$tailor eval --train "$out/test/train.jsonl" --test "$out/test/test.tsv" --k 10,20 \
  --method ranker --ranker "$out/ranker/all.json" --variant all
$tailor eval --train "$out/test/train.jsonl" --test "$out/test/test.tsv" --k 10,20 \
  --method ranker --ranker "$out/ranker/new.json" --variant new
echo "== MLP ranker (variant all): October + September labels pooled, defaults of --model mlp, re-ranks the blend's top 50"
/usr/bin/time -f "train-ranker wall %e s, user %U s, max RSS %M KB" \
  $tailor train-ranker --train "$out/val/train.jsonl,$out/pre/train.jsonl" --labels "$out/val/test.tsv,$out/pre/test.tsv" \
    --out "$out/ranker/all-mlp.json" --onnx "$out/ranker/all-mlp.onnx" --model mlp --candidates 200
$tailor eval --train "$out/test/train.jsonl" --test "$out/test/test.tsv" --k 10,20 \
  --method ranker --ranker "$out/ranker/all-mlp.json" --variant all --ranker-candidates 50
echo "== reference baselines exactly as in the data README (binary item-kNN, binary EASE lambda=200)"
$tailor eval --train "$out/test/train.jsonl" --test "$out/test/test.tsv" --k 20 \
  --method itemknn,ease --variant all,new --binary --top-n 1000 --ease-half-life 0
echo "== session next-item (test invoices' line order; see RESULTS-recommend.md)"
# Session weights chosen on the validation split (val/sessions.tsv, --sample 3000): w-repeat 0, w-ease 0.25.
$tailor eval --train "$out/val/train.jsonl" --test "$out/val/sessions.tsv" --sessions --sample 3000 --k 20 \
  --method session --variant all --w-repeat 0,0.25,1 --w-ease 0,0.25,1
$tailor eval --train "$out/test/train.jsonl" --test "$out/test/sessions.tsv" --sessions --sample 5000 --k 10,20 \
  --method popular,itemknn,ease,embedding,blend --variant all
$tailor eval --train "$out/test/train.jsonl" --test "$out/test/sessions.tsv" --sessions --sample 5000 --k 10,20 \
  --method session --variant all --w-repeat 0 --w-ease 0.25
echo "== training time, full train split, with progress"
/usr/bin/time -f "train wall %e s, user %U s, max RSS %M KB" \
  $tailor build-bundle --events "$out/test/events.jsonl" --items "$out/test/items.jsonl" --out "$out/bundle.bin" --progress \
    --profile-config bench/recommend-segments.profile.json
echo "== trending per segment: training cost of the profile fold (EASE, embeddings, content off)"
for pc in "" "--profile-config bench/recommend-segments.profile.json"; do
  /usr/bin/time -f "segments[${pc:+on}] wall %e s, user %U s, max RSS %M KB" \
    $tailor build-bundle --events "$out/test/events.jsonl" --items "$out/test/items.jsonl" --out "$out/bundle-lite.bin" \
    --no-ease --dim 0 --no-content $pc
done
echo "== purchase intent (synthetic store: Online Retail has no sessions without a purchase)"
$tailor generate --out "$out/store" --shoppers 20000 >/dev/null
$tailor train-intent --events "$out/store/events.jsonl" --out "$out/intent.json"
