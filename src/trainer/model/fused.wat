;; Training kernels in WebAssembly SIMD (fused.ts runs them): the weight
;; gradient of a linear layer, xᵀ·dy, without transposing either operand, and
;; LayerNorm and GELU forward and backward each in one pass over the data. In
;; tfjs ops on WASM these took a transpose plus XNNPACK repacking its right-hand
;; operand on every call (~11 GFLOP/s), and ~10 elementwise kernels each.
;;
;; Every sum runs in one fixed order, whatever the thread count: results are
;; deterministic. Addresses are byte offsets into the imported memory.
;;
;; Regenerate fused-wasm.ts after editing: `npm run build:wasm`.
(module
  ;; Shared: helper threads (kernel-pool.ts) compute other panels of a weight gradient over it.
  (import "env" "memory" (memory 1 65536 shared))

  ;; The sum of four lanes, always as (l0 + l1) + (l2 + l3).
  (func $sum4 (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; Packs a row-major [rows, cols] matrix at src into panels of `width` (4 or
  ;; 8) columns, [cols/width][rows][width] at dst, so the weight-gradient kernel
  ;; reads each operand's panel as one contiguous run (rows of a wide matrix a
  ;; power of two apart fall into a few cache sets). Goes 16 rows at a time:
  ;; they stay in cache while every panel takes its part.
  (func (export "pack") (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32) (param $width i32)
    (local $stride i32) (local $chunk i32) (local $panelBytes i32) (local $r0 i32) (local $r1 i32)
    (local $p i32) (local $from i32) (local $to i32) (local $end i32) (local $panel i32)
    (local.set $stride (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $chunk (i32.shl (local.get $width) (i32.const 2)))
    (local.set $panelBytes (i32.mul (local.get $rows) (local.get $chunk)))
    (local.set $r0 (i32.const 0))
    (loop $blocks
      (local.set $r1 (select (i32.add (local.get $r0) (i32.const 16)) (local.get $rows)
        (i32.lt_u (i32.add (local.get $r0) (i32.const 16)) (local.get $rows))))
      (local.set $p (i32.const 0))
      ;; panel p/chunk's rows r0.. start here
      (local.set $panel (i32.add (local.get $dst) (i32.mul (local.get $r0) (local.get $chunk))))
      (loop $panels
        (local.set $from (i32.add (i32.add (local.get $src) (i32.mul (local.get $r0) (local.get $stride))) (local.get $p)))
        (local.set $to (local.get $panel))
        (local.set $end (i32.add (local.get $to) (i32.mul (i32.sub (local.get $r1) (local.get $r0)) (local.get $chunk))))
        (if (i32.eq (local.get $width) (i32.const 4))
          (then
            (loop $each4
              (v128.store (local.get $to) (v128.load (local.get $from)))
              (local.set $from (i32.add (local.get $from) (local.get $stride)))
              (br_if $each4 (i32.lt_u (local.tee $to (i32.add (local.get $to) (i32.const 16))) (local.get $end)))))
          (else
            (loop $each8
              (v128.store (local.get $to) (v128.load (local.get $from)))
              (v128.store offset=16 (local.get $to) (v128.load offset=16 (local.get $from)))
              (local.set $from (i32.add (local.get $from) (local.get $stride)))
              (br_if $each8 (i32.lt_u (local.tee $to (i32.add (local.get $to) (i32.const 32))) (local.get $end))))))
        (local.set $panel (i32.add (local.get $panel) (local.get $panelBytes)))
        (br_if $panels (i32.lt_u (local.tee $p (i32.add (local.get $p) (local.get $chunk))) (local.get $stride))))
      (br_if $blocks (i32.lt_u (local.tee $r0 (local.get $r1)) (local.get $rows)))))

  ;; out [m, n] = xᵀ·dy for x [k, m] and dy [k, n], m a multiple of 4 and n of
  ;; 8, given packed: x in panels of 4 columns, dy of 8 (see pack). Register
  ;; tiles of 4x8 outputs add x[r, i..i+3] (each lane splatted) times
  ;; dy[r, j..j+7] over rows r, in blocks of `block` rows so the x rows of a
  ;; block stay in cache while every dy panel passes over them. Computes the
  ;; output columns of dy's panels [from, to) only: helper threads
  ;; (kernel-pool.ts) take the other panels, each output summed in one order.
  (func (export "weightGrad")
    (param $x i32) (param $dy i32) (param $out i32) (param $k i32) (param $m i32) (param $n i32) (param $block i32)
    (param $from i32) (param $to i32)
    (local $ds i32) (local $r0 i32) (local $r1 i32) (local $i i32) (local $j i32) (local $r i32)
    (local $px i32) (local $pd i32) (local $po i32) (local $end i32) (local $j0 i32) (local $j1 i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $d0 v128) (local $d1 v128) (local $a v128)
    (local.set $ds (i32.shl (local.get $n) (i32.const 2)))
    (local.set $j0 (i32.shl (local.get $from) (i32.const 3)))
    (local.set $j1 (i32.shl (local.get $to) (i32.const 3)))
    ;; out[:, j0..j1) = 0
    (local.set $i (i32.const 0))
    (loop $zeroRows
      (local.set $po (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j0)) (i32.const 2))))
      (local.set $end (i32.add (local.get $po) (i32.shl (i32.sub (local.get $j1) (local.get $j0)) (i32.const 2))))
      (loop $zero
        (v128.store (local.get $po) (v128.const f32x4 0 0 0 0))
        (br_if $zero (i32.lt_u (local.tee $po (i32.add (local.get $po) (i32.const 16))) (local.get $end))))
      (br_if $zeroRows (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $m))))
    (local.set $r0 (i32.const 0))
    (loop $rows
      (local.set $r1 (select (i32.add (local.get $r0) (local.get $block)) (local.get $k)
        (i32.lt_u (i32.add (local.get $r0) (local.get $block)) (local.get $k))))
      (local.set $j (local.get $j0))
      (loop $columns
        (local.set $i (i32.const 0))
        (loop $tiles
          ;; the tile at out[i, j]
          (local.set $po (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2))))
          (local.set $c00 (v128.load (local.get $po)))
          (local.set $c01 (v128.load offset=16 (local.get $po)))
          (local.set $c10 (v128.load (i32.add (local.get $po) (local.get $ds))))
          (local.set $c11 (v128.load offset=16 (i32.add (local.get $po) (local.get $ds))))
          (local.set $c20 (v128.load (i32.add (local.get $po) (i32.shl (local.get $ds) (i32.const 1)))))
          (local.set $c21 (v128.load offset=16 (i32.add (local.get $po) (i32.shl (local.get $ds) (i32.const 1)))))
          (local.set $c30 (v128.load (i32.add (local.get $po) (i32.mul (local.get $ds) (i32.const 3)))))
          (local.set $c31 (v128.load offset=16 (i32.add (local.get $po) (i32.mul (local.get $ds) (i32.const 3)))))
          ;; row r0 of x's panel i/4 (16 bytes a row) and of dy's panel j/8 (32 bytes a row)
          (local.set $px (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (i32.shl (local.get $r0) (i32.const 2))) (i32.const 2))))
          (local.set $pd (i32.add (local.get $dy) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $k)) (i32.shl (local.get $r0) (i32.const 3))) (i32.const 2))))
          (local.set $r (local.get $r0))
          (loop $accumulate
            (local.set $d0 (v128.load (local.get $pd)))
            (local.set $d1 (v128.load offset=16 (local.get $pd)))
            (local.set $a (v128.load32_splat (local.get $px)))
            (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $a) (local.get $d0))))
            (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $a) (local.get $d1))))
            (local.set $a (v128.load32_splat offset=4 (local.get $px)))
            (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $a) (local.get $d0))))
            (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $a) (local.get $d1))))
            (local.set $a (v128.load32_splat offset=8 (local.get $px)))
            (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $a) (local.get $d0))))
            (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $a) (local.get $d1))))
            (local.set $a (v128.load32_splat offset=12 (local.get $px)))
            (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $a) (local.get $d0))))
            (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $a) (local.get $d1))))
            (local.set $px (i32.add (local.get $px) (i32.const 16)))
            (local.set $pd (i32.add (local.get $pd) (i32.const 32)))
            (br_if $accumulate (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $r1))))
          (v128.store (local.get $po) (local.get $c00))
          (v128.store offset=16 (local.get $po) (local.get $c01))
          (v128.store (i32.add (local.get $po) (local.get $ds)) (local.get $c10))
          (v128.store offset=16 (i32.add (local.get $po) (local.get $ds)) (local.get $c11))
          (v128.store (i32.add (local.get $po) (i32.shl (local.get $ds) (i32.const 1))) (local.get $c20))
          (v128.store offset=16 (i32.add (local.get $po) (i32.shl (local.get $ds) (i32.const 1))) (local.get $c21))
          (v128.store (i32.add (local.get $po) (i32.mul (local.get $ds) (i32.const 3))) (local.get $c30))
          (v128.store offset=16 (i32.add (local.get $po) (i32.mul (local.get $ds) (i32.const 3))) (local.get $c31))
          (br_if $tiles (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $m))))
        (br_if $columns (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 8))) (local.get $j1))))
      (br_if $rows (i32.lt_u (local.tee $r0 (local.get $r1)) (local.get $k)))))

  ;; LayerNorm of each of `rows` rows of x [rows, width] into out:
  ;; (x - mean)·rstd·weight + bias, rstd = 1/√(var + eps); stats [rows, 2] gets
  ;; each row's mean and rstd for the backward pass. Any width.
  (func (export "layerNormForward")
    (param $x i32) (param $weight i32) (param $bias i32) (param $out i32) (param $stats i32)
    (param $rows i32) (param $width i32) (param $eps f32)
    (local $row i32) (local $bytes i32) (local $vector i32) (local $i i32)
    (local $acc v128) (local $s f32) (local $mean f32) (local $rstd f32) (local $d f32) (local $vm v128) (local $vr v128)
    (local.set $bytes (i32.shl (local.get $width) (i32.const 2)))
    ;; bytes of the row taken four lanes at a time
    (local.set $vector (i32.and (local.get $bytes) (i32.const -16)))
    (local.set $row (i32.const 0))
    (loop $each
      ;; mean
      (local.set $acc (v128.const f32x4 0 0 0 0))
      (local.set $i (i32.const 0))
      (block $done
        (loop $lanes
          (br_if $done (i32.ge_u (local.get $i) (local.get $vector)))
          (local.set $acc (f32x4.add (local.get $acc) (v128.load (i32.add (local.get $x) (local.get $i)))))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br $lanes)))
      (local.set $s (call $sum4 (local.get $acc)))
      (block $done
        (loop $tail
          (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
          (local.set $s (f32.add (local.get $s) (f32.load (i32.add (local.get $x) (local.get $i)))))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br $tail)))
      (local.set $mean (f32.div (local.get $s) (f32.convert_i32_u (local.get $width))))
      (local.set $vm (f32x4.splat (local.get $mean)))
      ;; variance, from the centred values
      (local.set $acc (v128.const f32x4 0 0 0 0))
      (local.set $i (i32.const 0))
      (block $done
        (loop $lanes
          (br_if $done (i32.ge_u (local.get $i) (local.get $vector)))
          (local.set $vr (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $i))) (local.get $vm)))
          (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $vr) (local.get $vr))))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br $lanes)))
      (local.set $s (call $sum4 (local.get $acc)))
      (block $done
        (loop $tail
          (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
          (local.set $d (f32.sub (f32.load (i32.add (local.get $x) (local.get $i))) (local.get $mean)))
          (local.set $s (f32.add (local.get $s) (f32.mul (local.get $d) (local.get $d))))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br $tail)))
      (local.set $rstd
        (f32.div (f32.const 1)
          (f32.sqrt (f32.add (f32.div (local.get $s) (f32.convert_i32_u (local.get $width))) (local.get $eps)))))
      (f32.store (local.get $stats) (local.get $mean))
      (f32.store offset=4 (local.get $stats) (local.get $rstd))
      ;; out = (x - mean)·rstd·weight + bias
      (local.set $vr (f32x4.splat (local.get $rstd)))
      (local.set $i (i32.const 0))
      (block $done
        (loop $lanes
          (br_if $done (i32.ge_u (local.get $i) (local.get $vector)))
          (v128.store (i32.add (local.get $out) (local.get $i))
            (f32x4.add
              (f32x4.mul
                (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $i))) (local.get $vm)) (local.get $vr))
                (v128.load (i32.add (local.get $weight) (local.get $i))))
              (v128.load (i32.add (local.get $bias) (local.get $i)))))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br $lanes)))
      (block $done
        (loop $tail
          (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
          (f32.store (i32.add (local.get $out) (local.get $i))
            (f32.add
              (f32.mul
                (f32.mul (f32.sub (f32.load (i32.add (local.get $x) (local.get $i))) (local.get $mean)) (local.get $rstd))
                (f32.load (i32.add (local.get $weight) (local.get $i))))
              (f32.load (i32.add (local.get $bias) (local.get $i)))))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br $tail)))
      (local.set $x (i32.add (local.get $x) (local.get $bytes)))
      (local.set $out (i32.add (local.get $out) (local.get $bytes)))
      (local.set $stats (i32.add (local.get $stats) (i32.const 8)))
      (br_if $each (i32.lt_u (local.tee $row (i32.add (local.get $row) (i32.const 1))) (local.get $rows)))))

  ;; LayerNorm's backward from x, the forward's stats and dy [rows, width]:
  ;; with n = (x - mean)·rstd and dn = dy·weight,
  ;; dx = rstd·(dn - mean(dn) - n·mean(dn·n)); dweight = Σ_rows dy·n and
  ;; dbias = Σ_rows dy, summed row after row. Any width.
  (func (export "layerNormBackward")
    (param $x i32) (param $weight i32) (param $stats i32) (param $dy i32)
    (param $dx i32) (param $dweight i32) (param $dbias i32) (param $rows i32) (param $width i32)
    (local $row i32) (local $bytes i32) (local $vector i32) (local $i i32)
    (local $vm v128) (local $vr v128) (local $n v128) (local $g v128) (local $dn v128) (local $sa v128) (local $sb v128)
    (local $mean f32) (local $rstd f32) (local $a f32) (local $b f32) (local $ns f32) (local $gs f32) (local $dns f32)
    (local.set $bytes (i32.shl (local.get $width) (i32.const 2)))
    (local.set $vector (i32.and (local.get $bytes) (i32.const -16)))
    ;; dweight = dbias = 0
    (local.set $i (i32.const 0))
    (block $done
      (loop $zero
        (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
        (f32.store (i32.add (local.get $dweight) (local.get $i)) (f32.const 0))
        (f32.store (i32.add (local.get $dbias) (local.get $i)) (f32.const 0))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $zero)))
    (local.set $row (i32.const 0))
    (loop $each
      (local.set $mean (f32.load (local.get $stats)))
      (local.set $rstd (f32.load offset=4 (local.get $stats)))
      (local.set $vm (f32x4.splat (local.get $mean)))
      (local.set $vr (f32x4.splat (local.get $rstd)))
      ;; Σ dn and Σ dn·n of the row; dweight += dy·n, dbias += dy
      (local.set $sa (v128.const f32x4 0 0 0 0))
      (local.set $sb (v128.const f32x4 0 0 0 0))
      (local.set $i (i32.const 0))
      (block $done
        (loop $lanes
          (br_if $done (i32.ge_u (local.get $i) (local.get $vector)))
          (local.set $n (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $i))) (local.get $vm)) (local.get $vr)))
          (local.set $g (v128.load (i32.add (local.get $dy) (local.get $i))))
          (local.set $dn (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $weight) (local.get $i)))))
          (local.set $sa (f32x4.add (local.get $sa) (local.get $dn)))
          (local.set $sb (f32x4.add (local.get $sb) (f32x4.mul (local.get $dn) (local.get $n))))
          (v128.store (i32.add (local.get $dweight) (local.get $i))
            (f32x4.add (v128.load (i32.add (local.get $dweight) (local.get $i))) (f32x4.mul (local.get $g) (local.get $n))))
          (v128.store (i32.add (local.get $dbias) (local.get $i))
            (f32x4.add (v128.load (i32.add (local.get $dbias) (local.get $i))) (local.get $g)))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br $lanes)))
      (local.set $a (call $sum4 (local.get $sa)))
      (local.set $b (call $sum4 (local.get $sb)))
      (block $done
        (loop $tail
          (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
          (local.set $ns (f32.mul (f32.sub (f32.load (i32.add (local.get $x) (local.get $i))) (local.get $mean)) (local.get $rstd)))
          (local.set $gs (f32.load (i32.add (local.get $dy) (local.get $i))))
          (local.set $dns (f32.mul (local.get $gs) (f32.load (i32.add (local.get $weight) (local.get $i)))))
          (local.set $a (f32.add (local.get $a) (local.get $dns)))
          (local.set $b (f32.add (local.get $b) (f32.mul (local.get $dns) (local.get $ns))))
          (f32.store (i32.add (local.get $dweight) (local.get $i))
            (f32.add (f32.load (i32.add (local.get $dweight) (local.get $i))) (f32.mul (local.get $gs) (local.get $ns))))
          (f32.store (i32.add (local.get $dbias) (local.get $i))
            (f32.add (f32.load (i32.add (local.get $dbias) (local.get $i))) (local.get $gs)))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br $tail)))
      (local.set $a (f32.div (local.get $a) (f32.convert_i32_u (local.get $width))))
      (local.set $b (f32.div (local.get $b) (f32.convert_i32_u (local.get $width))))
      ;; dx = rstd·(dn - a - n·b)
      (local.set $sa (f32x4.splat (local.get $a)))
      (local.set $sb (f32x4.splat (local.get $b)))
      (local.set $i (i32.const 0))
      (block $done
        (loop $lanes
          (br_if $done (i32.ge_u (local.get $i) (local.get $vector)))
          (local.set $n (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $i))) (local.get $vm)) (local.get $vr)))
          (local.set $dn (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $i))) (v128.load (i32.add (local.get $weight) (local.get $i)))))
          (v128.store (i32.add (local.get $dx) (local.get $i))
            (f32x4.mul (local.get $vr)
              (f32x4.sub (f32x4.sub (local.get $dn) (local.get $sa)) (f32x4.mul (local.get $n) (local.get $sb)))))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br $lanes)))
      (block $done
        (loop $tail
          (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
          (local.set $ns (f32.mul (f32.sub (f32.load (i32.add (local.get $x) (local.get $i))) (local.get $mean)) (local.get $rstd)))
          (local.set $dns (f32.mul (f32.load (i32.add (local.get $dy) (local.get $i))) (f32.load (i32.add (local.get $weight) (local.get $i)))))
          (f32.store (i32.add (local.get $dx) (local.get $i))
            (f32.mul (local.get $rstd)
              (f32.sub (f32.sub (local.get $dns) (local.get $a)) (f32.mul (local.get $ns) (local.get $b)))))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br $tail)))
      (local.set $x (i32.add (local.get $x) (local.get $bytes)))
      (local.set $dy (i32.add (local.get $dy) (local.get $bytes)))
      (local.set $dx (i32.add (local.get $dx) (local.get $bytes)))
      (local.set $stats (i32.add (local.get $stats) (i32.const 8)))
      (br_if $each (i32.lt_u (local.tee $row (i32.add (local.get $row) (i32.const 1))) (local.get $rows)))))

  ;; GELU (tanh approximation, k = √(2/π), c = 0.044715) over n floats at x, n
  ;; a multiple of 4: with the gate s = σ(2k(x + c·x³)) = 1/(1 + exp(z)),
  ;; z = -2k(x + c·x³), forward writes out = x·s; backward writes
  ;; out = dy·(s + x·s(1 - s)·2k(1 + 3c·x²)). One loop serves both so the gate is
  ;; written once, inline with its constants in locals: calling a separate exp
  ;; function per four lanes measured about twice as slow.
  ;;
  ;; exp(z) as in Cephes' expf: z = n·ln2 + r with |r| <= ln2/2, exp(r) by its
  ;; minimax polynomial (float precision), times 2^n made in the exponent bits.
  ;; n is rounded by adding 1.5·2^23, which leaves it in the low mantissa bits;
  ;; z is clamped to [-87, 88] (pmin/pmax: one instruction each, no NaN to keep).
  (func (export "gelu") (param $x i32) (param $dy i32) (param $out i32) (param $n i32) (param $backward i32)
    (local $end i32) (local $v v128) (local $z v128) (local $t v128) (local $m v128) (local $r v128) (local $p v128) (local $s v128)
    (local $one v128) (local $k2 v128) (local $kc2 v128) (local $lo v128) (local $hi v128) (local $log2e v128) (local $magic v128)
    (local $ln2a v128) (local $ln2b v128) (local $p0 v128) (local $p1 v128) (local $p2 v128) (local $p3 v128) (local $p4 v128) (local $p5 v128)
    (local $bias v128) (local $kc6 v128)
    (local.set $one (v128.const f32x4 1 1 1 1))
    (local.set $k2 (v128.const f32x4 1.59576912 1.59576912 1.59576912 1.59576912))
    (local.set $kc2 (v128.const f32x4 0.0713548163 0.0713548163 0.0713548163 0.0713548163))
    (local.set $kc6 (v128.const f32x4 0.214064449 0.214064449 0.214064449 0.214064449))
    (local.set $lo (v128.const f32x4 -87 -87 -87 -87))
    (local.set $hi (v128.const f32x4 88 88 88 88))
    (local.set $log2e (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))
    (local.set $magic (v128.const f32x4 12582912 12582912 12582912 12582912))
    (local.set $ln2a (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))
    (local.set $ln2b (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))
    (local.set $p0 (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
    (local.set $p1 (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3))
    (local.set $p2 (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3))
    (local.set $p3 (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2))
    (local.set $p4 (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1))
    (local.set $p5 (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1))
    (local.set $bias (v128.const i32x4 127 127 127 127))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (loop $each
      (local.set $v (v128.load (local.get $x)))
      ;; z = -x·(2k + 2kc·x²)
      (local.set $z
        (f32x4.pmin
          (f32x4.pmax
            (f32x4.neg (f32x4.mul (local.get $v) (f32x4.add (local.get $k2) (f32x4.mul (local.get $kc2) (f32x4.mul (local.get $v) (local.get $v))))))
            (local.get $lo))
          (local.get $hi)))
      (local.set $t (f32x4.add (f32x4.mul (local.get $z) (local.get $log2e)) (local.get $magic)))
      (local.set $m (f32x4.sub (local.get $t) (local.get $magic)))
      (local.set $r
        (f32x4.sub (f32x4.sub (local.get $z) (f32x4.mul (local.get $m) (local.get $ln2a))) (f32x4.mul (local.get $m) (local.get $ln2b))))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p0) (local.get $r)) (local.get $p1)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (local.get $p2)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (local.get $p3)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (local.get $p4)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (local.get $p5)))
      ;; exp(r) = p·r² + r + 1; exp(z) = exp(r)·2^n, 2^n = bits((bits(t) + 127) << 23)
      (local.set $p
        (f32x4.add (f32x4.add (f32x4.mul (local.get $p) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r)) (local.get $one)))
      (local.set $s
        (f32x4.div (local.get $one)
          (f32x4.add (local.get $one)
            (f32x4.mul (local.get $p) (i32x4.shl (i32x4.add (local.get $t) (local.get $bias)) (i32.const 23))))))
      (if (local.get $backward)
        (then
          (v128.store (local.get $out)
            (f32x4.mul (v128.load (local.get $dy))
              (f32x4.add (local.get $s)
                (f32x4.mul
                  (f32x4.mul (local.get $v) (f32x4.mul (local.get $s) (f32x4.sub (local.get $one) (local.get $s))))
                  ;; 2k(1 + 3c·x²) = 2k + 6kc·x²
                  (f32x4.add (local.get $k2) (f32x4.mul (local.get $kc6) (f32x4.mul (local.get $v) (local.get $v))))))))
          (local.set $dy (i32.add (local.get $dy) (i32.const 16))))
        (else
          (v128.store (local.get $out) (f32x4.mul (local.get $v) (local.get $s)))))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br_if $each (i32.lt_u (local.tee $x (i32.add (local.get $x) (i32.const 16))) (local.get $end)))))

  ;; Rotary positions on the query and key thirds of a fused projection qkv
  ;; [rows, 3·width] (q | k | v), heads of 2·half channels: forward writes
  ;; y[c] = x[c]·cos[c] + x[c']·sin[c], c' the same channel in the head's other
  ;; half, and copies v; backward (the transpose) writes
  ;; dx[c] = dy[c]·cos[c] + dy[c']·sin[c'], and passes dv through. cos and sin
  ;; are [rows, width] (positions.ts's wide tables, rows picked per token); half
  ;; a multiple of 4, so a channel's partner lanes are four whole lanes too.
  (func (export "rotary")
    (param $x i32) (param $cos i32) (param $sin i32) (param $out i32)
    (param $rows i32) (param $width i32) (param $half i32) (param $backward i32)
    (local $row i32) (local $part i32) (local $head i32) (local $j i32)
    (local $src i32) (local $dst i32) (local $tables i32) (local $half4 i32) (local $row4 i32) (local $width4 i32)
    (local $c i32) (local $p i32)
    (local.set $half4 (i32.shl (local.get $half) (i32.const 2)))
    (local.set $width4 (i32.shl (local.get $width) (i32.const 2)))
    (local.set $row4 (i32.mul (local.get $width4) (i32.const 3)))
    (local.set $row (i32.const 0))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $tables (i32.mul (local.get $row) (local.get $width4)))
        ;; q then k: each head's channels c in both halves, with partner p = c ± half
        (local.set $part (i32.const 0))
        (loop $parts
          (local.set $src (i32.add (local.get $x) (i32.add (i32.mul (local.get $row) (local.get $row4)) (i32.mul (local.get $part) (local.get $width4)))))
          (local.set $dst (i32.add (local.get $out) (i32.add (i32.mul (local.get $row) (local.get $row4)) (i32.mul (local.get $part) (local.get $width4)))))
          (local.set $head (i32.const 0))
          (loop $heads
            (local.set $j (i32.const 0))
            (loop $lanes
              ;; c: byte offset of four channels within the row's width; p: their partners
              (local.set $c (i32.add (local.get $head) (local.get $j)))
              (local.set $p
                (select
                  (i32.add (local.get $c) (local.get $half4))
                  (i32.sub (local.get $c) (local.get $half4))
                  (i32.lt_u (local.get $j) (local.get $half4))))
              (v128.store (i32.add (local.get $dst) (local.get $c))
                (f32x4.add
                  (f32x4.mul (v128.load (i32.add (local.get $src) (local.get $c))) (v128.load (i32.add (i32.add (local.get $cos) (local.get $tables)) (local.get $c))))
                  (f32x4.mul (v128.load (i32.add (local.get $src) (local.get $p)))
                    (v128.load (i32.add (i32.add (local.get $sin) (local.get $tables)) (select (local.get $p) (local.get $c) (local.get $backward)))))))
              (br_if $lanes (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 16))) (i32.shl (local.get $half4) (i32.const 1)))))
            (br_if $heads (i32.lt_u (local.tee $head (i32.add (local.get $head) (i32.shl (local.get $half4) (i32.const 1)))) (local.get $width4))))
          (br_if $parts (i32.lt_u (local.tee $part (i32.add (local.get $part) (i32.const 1))) (i32.const 2))))
        ;; v as it is
        (local.set $src (i32.add (local.get $x) (i32.add (i32.mul (local.get $row) (local.get $row4)) (i32.shl (local.get $width4) (i32.const 1)))))
        (local.set $dst (i32.add (local.get $out) (i32.add (i32.mul (local.get $row) (local.get $row4)) (i32.shl (local.get $width4) (i32.const 1)))))
        (memory.copy (local.get $dst) (local.get $src) (local.get $width4))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rows_loop))))
)
