;; Causal attention for training in WebAssembly SIMD (block-attention.ts):
;; the forward and backward of softmax(q·kᵀ·scale)·v over every (block, head)
;; pair of a layer in one call, on the lower triangle only. tfjs ran each pair
;; as full-square 2-D products plus transposes, slices and concats.
;;
;; Layout (byte addresses). q, k, v and their gradients: row i of head h at
;; base + h·head + i·row (the three may sit side by side in one array); o and
;; its gradient dout likewise with row bytes outRow. A head vector is `width`
;; floats (a multiple of 8; columns past the head dimension are scratch); rows
;; past a block's end may be read, never written. kᵀ and vᵀ: head h at base + h·hd·tRow, column i
;; of row d at + d·tRow + i·4, readable up to 8 columns past every block.
;; Probabilities: per pair a square of L rounded up to 4 rows of L rounded up
;; to 8 floats; row i holds softmax over keys 0..i, then zeros up to the end of
;; the 8-column group holding key i0+3, i0 = i rounded down to 4 (what the
;; tiles below read), then anything.
;; Pair table: 4 i32s per pair (first row, length, head, byte offset of its
;; square from the probabilities' base).
;;
;; Regenerate block-attention-wasm.ts after editing: `npm run build:wasm`.
(module
  ;; Shared: helper threads (kernel-pool.ts) run other pairs over it.
  (import "env" "memory" (memory 1 65536 shared))

  (func $sum4 (param $x v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $x)) (f32x4.extract_lane 1 (local.get $x)))
      (f32.add (f32x4.extract_lane 2 (local.get $x)) (f32x4.extract_lane 3 (local.get $x)))))

  ;; Every product here, as one 4×8 register tile: C[r][0..8) = Σ_{k<count}
  ;; A(r, k)·B[k][0..8) for r < 4, where A(r, k) is the float at a + r·aRow +
  ;; k·aK and B[k] the 8 floats at b + k·bK; rows r < `rows` are stored at
  ;; c + r·cRow. count >= 1.
  (func $tile
    (param $a i32) (param $aRow i32) (param $aK i32) (param $b i32) (param $bK i32) (param $count i32)
    (param $c i32) (param $cRow i32) (param $rows i32)
    (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (local $x v128) (local $b0 v128) (local $b1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $a1 (i32.add (local.get $a) (local.get $aRow)))
    (local.set $a2 (i32.add (local.get $a1) (local.get $aRow)))
    (local.set $a3 (i32.add (local.get $a2) (local.get $aRow)))
    (loop $k
      (local.set $b0 (v128.load (local.get $b)))
      (local.set $b1 (v128.load offset=16 (local.get $b)))
      (local.set $x (v128.load32_splat (local.get $a)))
      (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat (local.get $a1)))
      (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat (local.get $a2)))
      (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat (local.get $a3)))
      (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $a (i32.add (local.get $a) (local.get $aK)))
      (local.set $a1 (i32.add (local.get $a1) (local.get $aK)))
      (local.set $a2 (i32.add (local.get $a2) (local.get $aK)))
      (local.set $a3 (i32.add (local.get $a3) (local.get $aK)))
      (local.set $b (i32.add (local.get $b) (local.get $bK)))
      (br_if $k (local.tee $count (i32.sub (local.get $count) (i32.const 1)))))
    (v128.store (local.get $c) (local.get $c00))
    (v128.store offset=16 (local.get $c) (local.get $c01))
    (if (i32.gt_u (local.get $rows) (i32.const 1))
      (then
        (local.set $c (i32.add (local.get $c) (local.get $cRow)))
        (v128.store (local.get $c) (local.get $c10))
        (v128.store offset=16 (local.get $c) (local.get $c11))
        (if (i32.gt_u (local.get $rows) (i32.const 2))
          (then
            (local.set $c (i32.add (local.get $c) (local.get $cRow)))
            (v128.store (local.get $c) (local.get $c20))
            (v128.store offset=16 (local.get $c) (local.get $c21))
            (if (i32.gt_u (local.get $rows) (i32.const 3))
              (then
                (local.set $c (i32.add (local.get $c) (local.get $cRow)))
                (v128.store (local.get $c) (local.get $c30))
                (v128.store offset=16 (local.get $c) (local.get $c31)))))))))

  ;; Row of raw scores at `row` -> softmax(score·scale) over its first n
  ;; floats, zeros from n up to `end` floats. max(score·scale) = scale·max(score)
  ;; (scale > 0), so the scores are read raw for the maximum.
  ;;
  ;; exp as in fused.wat (Cephes' expf): z = n·ln2 + r with |r| <= ln2/2, exp(r)
  ;; by its minimax polynomial, times 2^n made in the exponent bits; n rounded by
  ;; adding 1.5·2^23. z <= 0 here, clamped below at -87 (pmax: one instruction).
  ;; Constants live in locals: a v128.const in a loop body is rebuilt every use.
  (func $softmaxRow (param $row i32) (param $n i32) (param $end i32) (param $scale f32)
    (local $j i32) (local $lanes i32) (local $x v128) (local $m v128) (local $sum v128) (local $max f32)
    (local $t v128) (local $r v128) (local $p v128) (local $sc v128)
    (local $one v128) (local $lo v128) (local $log2e v128) (local $magic v128) (local $ln2a v128) (local $ln2b v128)
    (local $p0 v128) (local $p1 v128) (local $p2 v128) (local $p3 v128) (local $p4 v128) (local $p5 v128) (local $bias v128)
    ;; bytes of n rounded up to whole lanes; the lanes past n start at -inf
    (local.set $lanes (i32.shl (i32.and (i32.add (local.get $n) (i32.const 3)) (i32.const -4)) (i32.const 2)))
    (local.set $j (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $pad
        (br_if $done (i32.ge_u (local.get $j) (local.get $lanes)))
        (f32.store (i32.add (local.get $row) (local.get $j)) (f32.const -inf))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $pad)))
    (local.set $m (v128.const f32x4 -inf -inf -inf -inf))
    (local.set $j (i32.const 0))
    (loop $scan
      (local.set $m (f32x4.pmax (local.get $m) (v128.load (i32.add (local.get $row) (local.get $j)))))
      (br_if $scan (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 16))) (local.get $lanes))))
    (local.set $max
      (f32.max
        (f32.max (f32x4.extract_lane 0 (local.get $m)) (f32x4.extract_lane 1 (local.get $m)))
        (f32.max (f32x4.extract_lane 2 (local.get $m)) (f32x4.extract_lane 3 (local.get $m)))))
    (local.set $sc (f32x4.splat (local.get $scale)))
    (local.set $m (f32x4.splat (f32.mul (local.get $scale) (local.get $max))))
    (local.set $one (v128.const f32x4 1 1 1 1))
    (local.set $lo (v128.const f32x4 -87 -87 -87 -87))
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
    ;; exp(-inf) clamps to about 1e-38 here: negligible in the sum, zeroed below.
    (local.set $sum (v128.const f32x4 0 0 0 0))
    (local.set $j (i32.const 0))
    (loop $exp
      (local.set $x
        (f32x4.pmax
          (f32x4.sub (f32x4.mul (v128.load (i32.add (local.get $row) (local.get $j))) (local.get $sc)) (local.get $m))
          (local.get $lo)))
      (local.set $t (f32x4.add (f32x4.mul (local.get $x) (local.get $log2e)) (local.get $magic)))
      (local.set $p (f32x4.sub (local.get $t) (local.get $magic)))
      (local.set $r
        (f32x4.sub (f32x4.sub (local.get $x) (f32x4.mul (local.get $p) (local.get $ln2a))) (f32x4.mul (local.get $p) (local.get $ln2b))))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p0) (local.get $r)) (local.get $p1)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (local.get $p2)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (local.get $p3)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (local.get $p4)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (local.get $p5)))
      ;; exp(r) = p·r² + r + 1; times 2^n = bits((bits(t) + 127) << 23)
      (local.set $x
        (f32x4.mul
          (f32x4.add (f32x4.add (f32x4.mul (local.get $p) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r)) (local.get $one))
          (i32x4.shl (i32x4.add (local.get $t) (local.get $bias)) (i32.const 23))))
      (v128.store (i32.add (local.get $row) (local.get $j)) (local.get $x))
      (local.set $sum (f32x4.add (local.get $sum) (local.get $x)))
      (br_if $exp (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 16))) (local.get $lanes))))
    (local.set $m (f32x4.splat (f32.div (f32.const 1) (call $sum4 (local.get $sum)))))
    (local.set $j (i32.const 0))
    (loop $norm
      (v128.store (i32.add (local.get $row) (local.get $j))
        (f32x4.mul (local.get $m) (v128.load (i32.add (local.get $row) (local.get $j)))))
      (br_if $norm (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 16))) (local.get $lanes))))
    (local.set $j (i32.shl (local.get $n) (i32.const 2)))
    (local.set $lanes (i32.shl (local.get $end) (i32.const 2)))
    (block $zeroed
      (loop $zero
        (br_if $zeroed (i32.ge_u (local.get $j) (local.get $lanes)))
        (f32.store (i32.add (local.get $row) (local.get $j)) (f32.const 0))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $zero))))

  ;; Softmax backward of one row in place: p[j] <- scale·p[j]·(dp[j] - Σ_l p[l]·dp[l])
  ;; for j < n (the row's keys); the zeros after them stay.
  (func $gradRow (param $p i32) (param $dp i32) (param $n i32) (param $scale f32)
    (local $j i32) (local $full i32) (local $last i32) (local $acc v128) (local $dot f32) (local $x f32)
    (local $d v128) (local $s v128)
    (local.set $full (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $last (i32.shl (local.get $n) (i32.const 2)))
    (local.set $j (i32.const 0))
    (block $whole
      (loop $dots
        (br_if $whole (i32.ge_u (local.get $j) (local.get $full)))
        (local.set $acc
          (f32x4.add (local.get $acc)
            (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $j))) (v128.load (i32.add (local.get $dp) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $dots)))
    (local.set $dot (call $sum4 (local.get $acc)))
    (block $tail
      (loop $rest
        (br_if $tail (i32.ge_u (local.get $j) (local.get $last)))
        (local.set $dot
          (f32.add (local.get $dot)
            (f32.mul (f32.load (i32.add (local.get $p) (local.get $j))) (f32.load (i32.add (local.get $dp) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $rest)))
    (local.set $d (f32x4.splat (local.get $dot)))
    (local.set $s (f32x4.splat (local.get $scale)))
    (local.set $j (i32.const 0))
    (block $whole2
      (loop $grads
        (br_if $whole2 (i32.ge_u (local.get $j) (local.get $full)))
        (v128.store (i32.add (local.get $p) (local.get $j))
          (f32x4.mul
            (f32x4.mul (local.get $s) (v128.load (i32.add (local.get $p) (local.get $j))))
            (f32x4.sub (v128.load (i32.add (local.get $dp) (local.get $j))) (local.get $d))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $grads)))
    (block $tail2
      (loop $rest2
        (br_if $tail2 (i32.ge_u (local.get $j) (local.get $last)))
        (local.set $x (f32.load (i32.add (local.get $p) (local.get $j))))
        (f32.store (i32.add (local.get $p) (local.get $j))
          (f32.mul
            (f32.mul (local.get $scale) (local.get $x))
            (f32.sub (f32.load (i32.add (local.get $dp) (local.get $j))) (local.get $dot))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $rest2))))

  ;; Forward of pairs [from, to): o = softmax(q·kᵀ·scale)·v per pair, causal,
  ;; leaving each pair's probabilities in its square at p.
  (func (export "forward")
    (param $table i32) (param $from i32) (param $to i32)
    (param $q i32) (param $kt i32) (param $v i32) (param $o i32) (param $p i32)
    (param $row i32) (param $outRow i32) (param $head i32) (param $tRow i32) (param $hd i32) (param $width i32) (param $scale f32)
    (local $entry i32) (local $len i32) (local $base i32) (local $outBase i32) (local $tBase i32)
    (local $qb i32) (local $ktb i32) (local $vb i32) (local $ob i32) (local $pb i32) (local $lp i32)
    (local $i0 i32) (local $end i32) (local $j0 i32) (local $dc i32) (local $r i32) (local $rows i32) (local $count i32)
    (block $pairsDone
      (loop $pair
        (br_if $pairsDone (i32.ge_u (local.get $from) (local.get $to)))
        (local.set $entry (i32.add (local.get $table) (i32.shl (local.get $from) (i32.const 4))))
        (local.set $len (i32.load offset=4 (local.get $entry)))
        ;; head h, first row: its rows in q, v and o; its columns in kᵀ
        (local.set $base
          (i32.add
            (i32.mul (i32.load offset=8 (local.get $entry)) (local.get $head))
            (i32.mul (i32.load (local.get $entry)) (local.get $row))))
        (local.set $outBase
          (i32.add
            (i32.mul (i32.load offset=8 (local.get $entry)) (local.get $head))
            (i32.mul (i32.load (local.get $entry)) (local.get $outRow))))
        (local.set $tBase
          (i32.add
            (i32.mul (i32.mul (i32.load offset=8 (local.get $entry)) (local.get $hd)) (local.get $tRow))
            (i32.shl (i32.load (local.get $entry)) (i32.const 2))))
        (local.set $qb (i32.add (local.get $q) (local.get $base)))
        (local.set $vb (i32.add (local.get $v) (local.get $base)))
        (local.set $ob (i32.add (local.get $o) (local.get $outBase)))
        (local.set $ktb (i32.add (local.get $kt) (local.get $tBase)))
        (local.set $pb (i32.add (local.get $p) (i32.load offset=12 (local.get $entry))))
        (local.set $lp (i32.shl (i32.and (i32.add (local.get $len) (i32.const 7)) (i32.const -8)) (i32.const 2)))
        (local.set $i0 (i32.const 0))
        (loop $rowTile
          ;; scores of rows i0..i0+3 against keys 0 up to the 8-column group holding i0+3
          (local.set $end (i32.and (i32.add (local.get $i0) (i32.const 11)) (i32.const -8)))
          (local.set $j0 (i32.const 0))
          (loop $scores
            (call $tile
              (i32.add (local.get $qb) (i32.mul (local.get $i0) (local.get $row))) (local.get $row) (i32.const 4)
              (i32.add (local.get $ktb) (i32.shl (local.get $j0) (i32.const 2))) (local.get $tRow) (local.get $hd)
              (i32.add (i32.add (local.get $pb) (i32.mul (local.get $i0) (local.get $lp))) (i32.shl (local.get $j0) (i32.const 2)))
              (local.get $lp) (i32.const 4))
            (br_if $scores (i32.lt_u (local.tee $j0 (i32.add (local.get $j0) (i32.const 8))) (local.get $end))))
          (local.set $rows (i32.sub (local.get $len) (local.get $i0)))
          (if (i32.gt_u (local.get $rows) (i32.const 4)) (then (local.set $rows (i32.const 4))))
          (local.set $r (i32.const 0))
          (loop $soft
            (call $softmaxRow
              (i32.add (local.get $pb) (i32.mul (i32.add (local.get $i0) (local.get $r)) (local.get $lp)))
              (i32.add (i32.add (local.get $i0) (local.get $r)) (i32.const 1))
              (local.get $end) (local.get $scale))
            (br_if $soft (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $rows))))
          ;; o rows = p rows · v over keys 0..i0+3
          (local.set $count (i32.add (local.get $i0) (local.get $rows)))
          (local.set $dc (i32.const 0))
          (loop $mix
            (call $tile
              (i32.add (local.get $pb) (i32.mul (local.get $i0) (local.get $lp))) (local.get $lp) (i32.const 4)
              (i32.add (local.get $vb) (i32.shl (local.get $dc) (i32.const 2))) (local.get $row) (local.get $count)
              (i32.add (i32.add (local.get $ob) (i32.mul (local.get $i0) (local.get $outRow))) (i32.shl (local.get $dc) (i32.const 2)))
              (local.get $outRow) (local.get $rows))
            (br_if $mix (i32.lt_u (local.tee $dc (i32.add (local.get $dc) (i32.const 8))) (local.get $width))))
          (br_if $rowTile (i32.lt_u (local.tee $i0 (i32.add (local.get $i0) (i32.const 4))) (local.get $len))))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))
        (br $pair))))

  ;; Σ_{i >= j} A[i][j]·B[i] for the columns j of each 4-row tile of a pair:
  ;; out = Aᵀ·B restricted to the lower triangle (A the pair's square at pb,
  ;; row bytes lp; B and out activations at bb and cb, row bytes bRow, cRow).
  (func $lowerTransposedProduct
    (param $pb i32) (param $lp i32) (param $len i32) (param $bb i32) (param $bRow i32) (param $cb i32) (param $cRow i32) (param $width i32)
    (local $j0 i32) (local $dc i32) (local $rows i32)
    (local.set $j0 (i32.const 0))
    (loop $colTile
      (local.set $rows (i32.sub (local.get $len) (local.get $j0)))
      (local.set $dc (i32.const 0))
      (loop $chunk
        (call $tile
          (i32.add (i32.add (local.get $pb) (i32.mul (local.get $j0) (local.get $lp))) (i32.shl (local.get $j0) (i32.const 2)))
          (i32.const 4) (local.get $lp)
          (i32.add (i32.add (local.get $bb) (i32.mul (local.get $j0) (local.get $bRow))) (i32.shl (local.get $dc) (i32.const 2)))
          (local.get $bRow) (local.get $rows)
          (i32.add (i32.add (local.get $cb) (i32.mul (local.get $j0) (local.get $cRow))) (i32.shl (local.get $dc) (i32.const 2)))
          (local.get $cRow) (local.get $rows))
        (br_if $chunk (i32.lt_u (local.tee $dc (i32.add (local.get $dc) (i32.const 8))) (local.get $width))))
      (br_if $colTile (i32.lt_u (local.tee $j0 (i32.add (local.get $j0) (i32.const 4))) (local.get $len)))))

  ;; Backward of pairs [from, to) given dout and the forward's probabilities
  ;; (overwritten with the score gradients): dq, dk, dv. t: scratch of 4 rows
  ;; of the longest pair's square.
  (func (export "backward")
    (param $table i32) (param $from i32) (param $to i32)
    (param $q i32) (param $k i32) (param $vt i32) (param $dout i32) (param $p i32) (param $t i32)
    (param $dq i32) (param $dk i32) (param $dv i32)
    (param $row i32) (param $outRow i32) (param $head i32) (param $tRow i32) (param $hd i32) (param $width i32) (param $scale f32)
    (local $entry i32) (local $len i32) (local $base i32) (local $vtb i32) (local $dob i32) (local $pb i32) (local $lp i32)
    (local $i0 i32) (local $end i32) (local $j0 i32) (local $dc i32) (local $r i32) (local $rows i32) (local $count i32)
    (block $pairsDone
      (loop $pair
        (br_if $pairsDone (i32.ge_u (local.get $from) (local.get $to)))
        (local.set $entry (i32.add (local.get $table) (i32.shl (local.get $from) (i32.const 4))))
        (local.set $len (i32.load offset=4 (local.get $entry)))
        (local.set $base
          (i32.add
            (i32.mul (i32.load offset=8 (local.get $entry)) (local.get $head))
            (i32.mul (i32.load (local.get $entry)) (local.get $row))))
        (local.set $vtb
          (i32.add (local.get $vt)
            (i32.add
              (i32.mul (i32.mul (i32.load offset=8 (local.get $entry)) (local.get $hd)) (local.get $tRow))
              (i32.shl (i32.load (local.get $entry)) (i32.const 2)))))
        (local.set $dob
          (i32.add (local.get $dout)
            (i32.add
              (i32.mul (i32.load offset=8 (local.get $entry)) (local.get $head))
              (i32.mul (i32.load (local.get $entry)) (local.get $outRow)))))
        (local.set $pb (i32.add (local.get $p) (i32.load offset=12 (local.get $entry))))
        (local.set $lp (i32.shl (i32.and (i32.add (local.get $len) (i32.const 7)) (i32.const -8)) (i32.const 2)))
        ;; dv = pᵀ·dout, before p becomes the score gradients
        (call $lowerTransposedProduct (local.get $pb) (local.get $lp) (local.get $len)
          (local.get $dob) (local.get $outRow) (i32.add (local.get $dv) (local.get $base)) (local.get $row) (local.get $width))
        (local.set $i0 (i32.const 0))
        (loop $rowTile
          (local.set $end (i32.and (i32.add (local.get $i0) (i32.const 11)) (i32.const -8)))
          ;; dp rows i0..i0+3 = dout·vᵀ into t
          (local.set $j0 (i32.const 0))
          (loop $dp
            (call $tile
              (i32.add (local.get $dob) (i32.mul (local.get $i0) (local.get $outRow))) (local.get $outRow) (i32.const 4)
              (i32.add (local.get $vtb) (i32.shl (local.get $j0) (i32.const 2))) (local.get $tRow) (local.get $hd)
              (i32.add (local.get $t) (i32.shl (local.get $j0) (i32.const 2)))
              (local.get $lp) (i32.const 4))
            (br_if $dp (i32.lt_u (local.tee $j0 (i32.add (local.get $j0) (i32.const 8))) (local.get $end))))
          (local.set $rows (i32.sub (local.get $len) (local.get $i0)))
          (if (i32.gt_u (local.get $rows) (i32.const 4)) (then (local.set $rows (i32.const 4))))
          (local.set $r (i32.const 0))
          (loop $grad
            (call $gradRow
              (i32.add (local.get $pb) (i32.mul (i32.add (local.get $i0) (local.get $r)) (local.get $lp)))
              (i32.add (local.get $t) (i32.mul (local.get $r) (local.get $lp)))
              (i32.add (i32.add (local.get $i0) (local.get $r)) (i32.const 1))
              (local.get $scale))
            (br_if $grad (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $rows))))
          ;; dq rows = ds rows · k
          (local.set $count (i32.add (local.get $i0) (local.get $rows)))
          (local.set $dc (i32.const 0))
          (loop $mix
            (call $tile
              (i32.add (local.get $pb) (i32.mul (local.get $i0) (local.get $lp))) (local.get $lp) (i32.const 4)
              (i32.add (i32.add (local.get $k) (local.get $base)) (i32.shl (local.get $dc) (i32.const 2))) (local.get $row) (local.get $count)
              (i32.add (i32.add (i32.add (local.get $dq) (local.get $base)) (i32.mul (local.get $i0) (local.get $row))) (i32.shl (local.get $dc) (i32.const 2)))
              (local.get $row) (local.get $rows))
            (br_if $mix (i32.lt_u (local.tee $dc (i32.add (local.get $dc) (i32.const 8))) (local.get $width))))
          (br_if $rowTile (i32.lt_u (local.tee $i0 (i32.add (local.get $i0) (i32.const 4))) (local.get $len))))
        ;; dk = dsᵀ·q
        (call $lowerTransposedProduct (local.get $pb) (local.get $lp) (local.get $len)
          (i32.add (local.get $q) (local.get $base)) (local.get $row) (i32.add (local.get $dk) (local.get $base)) (local.get $row) (local.get $width))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))
        (br $pair))))

  ;; kᵀ of every head: dst[h][d][i] (row bytes tRow) = src[i·row + h·head + d·4]
  ;; for i < n, d < hd.
  (func (export "transposeHeads")
    (param $src i32) (param $dst i32) (param $n i32) (param $heads i32) (param $hd i32)
    (param $row i32) (param $head i32) (param $tRow i32)
    (local $h i32) (local $d i32) (local $i i32) (local $from i32) (local $to i32)
    (local.set $h (i32.const 0))
    (loop $heads
      (local.set $d (i32.const 0))
      (loop $dims
        (local.set $from
          (i32.add (local.get $src)
            (i32.add (i32.mul (local.get $h) (local.get $head)) (i32.shl (local.get $d) (i32.const 2)))))
        (local.set $to
          (i32.add (local.get $dst)
            (i32.mul (i32.add (i32.mul (local.get $h) (local.get $hd)) (local.get $d)) (local.get $tRow))))
        (local.set $i (i32.const 0))
        (loop $rows
          (f32.store (local.get $to) (f32.load (local.get $from)))
          (local.set $from (i32.add (local.get $from) (local.get $row)))
          (local.set $to (i32.add (local.get $to) (i32.const 4)))
          (br_if $rows (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
        (br_if $dims (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 1))) (local.get $hd))))
      (br_if $heads (i32.lt_u (local.tee $h (i32.add (local.get $h) (i32.const 1))) (local.get $heads))))))
