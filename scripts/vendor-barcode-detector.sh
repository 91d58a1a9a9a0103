#!/usr/bin/env bash
# Re-vendor the BarcodeDetector ponyfill (ZXing in WebAssembly) the station's camera uses
# where the browser has no BarcodeDetector of its own, from the npm registry at pinned
# versions, digests checked. Its wasm is served by the app: a store may have no internet.
set -euo pipefail
DETECTOR_VERSION=3.2.2
DETECTOR_SHA256=e3aa2057178b8ea71dd97003270331bbcb46499197b68bc0c7dd18e40c0863ea
# The zxing-wasm release barcode-detector $DETECTOR_VERSION depends on (its package.json).
ZXING_VERSION=3.1.3
ZXING_SHA256=2ebda08a93eea3efcd8399cda6b276e6a0b1de4fec60b4d8988a047de4c6d1ba
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && mkdir detector zxing \
  && npm pack --silent "barcode-detector@$DETECTOR_VERSION" "zxing-wasm@$ZXING_VERSION" >/dev/null \
  && tar xzf "barcode-detector-$DETECTOR_VERSION.tgz" -C detector \
  && tar xzf "zxing-wasm-$ZXING_VERSION.tgz" -C zxing)
grep -q "\"zxing-wasm\": \"$ZXING_VERSION\"" "$work/detector/package/package.json"
echo "$DETECTOR_SHA256  $work/detector/package/dist/iife/ponyfill.js" | sha256sum -c -
echo "$ZXING_SHA256  $work/zxing/package/dist/reader/zxing_reader.wasm" | sha256sum -c -
cp "$work/detector/package/dist/iife/ponyfill.js" "static/vendor/barcode-detector-$DETECTOR_VERSION.ponyfill.js"
cp "$work/detector/package/LICENSE" static/vendor/barcode-detector-LICENSE
cp "$work/zxing/package/dist/reader/zxing_reader.wasm" "static/vendor/zxing_reader-$ZXING_VERSION.wasm"
cp "$work/zxing/package/LICENSE" static/vendor/zxing-wasm-LICENSE
