;; The inner loops of KV-cache decoding (decoder.ts) in WebAssembly SIMD:
;; attention of one query over one head's cached keys and values, and GELU.
;; JavaScript loops ran attention at ~0.4 GMAC/s and spent most of GELU's time
;; in Math.exp; f32x4 lanes and a polynomial exp here are several times faster.
;;
;; Regenerate decode-attention-wasm.ts after editing: `npm run build:wasm`
;; (a unit test fails while the two differ).
(module
  ;; Shared: helper threads (kernel-pool.ts) attend other rows over it.
  (import "env" "memory" (memory 1 65536 shared))

;; exp of four lanes: x = n·ln2 + r with |r| <= ln2/2, exp(r) by its degree-7
  ;; Taylor polynomial (relative error < 1e-8), times 2^n built in the exponent
  ;; bits. Inputs are clamped to [-87, 88], inside float32's normal range.
  (func $exp4 (param $x v128) (result v128)
    (local $n v128) (local $r v128) (local $p v128)
    (local.set $x (f32x4.min (f32x4.max (local.get $x) (v128.const f32x4 -87 -87 -87 -87)) (v128.const f32x4 88 88 88 88)))
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))))
    (local.set $r
      (f32x4.sub
        (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
        (f32x4.mul (local.get $n) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $p (v128.const f32x4 1.98412698e-4 1.98412698e-4 1.98412698e-4 1.98412698e-4))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.38888889e-3 1.38888889e-3 1.38888889e-3 1.38888889e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.33333333e-3 8.33333333e-3 8.33333333e-3 8.33333333e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.16666667e-2 4.16666667e-2 4.16666667e-2 4.16666667e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 0.166666667 0.166666667 0.166666667 0.166666667)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1 1 1 1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1 1 1 1)))
    (f32x4.mul (local.get $p)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (v128.const i32x4 127 127 127 127)) (i32.const 23))))

;; out[0..hd) = softmax(q·kⱼ·scale over j < count)·v, where key j starts at
  ;; keys + j*hd*4 (values likewise). Byte addresses, 16-byte aligned; hd a
  ;; multiple of 4, count at least 1; scores holds count rounded up to 4 f32s.
  ;; Scores go four keys at a time (q read once for four, their sums transposed
  ;; into one vector) and the weighted sum of values keeps 16 output floats in
  ;; registers while it runs over the keys, so no loop stores per key.
  (func $attend
    (param $q i32) (param $keys i32) (param $values i32) (param $out i32) (param $scores i32)
    (param $hd i32) (param $count i32) (param $scale f32)
    (local $stride i32) (local $j i32) (local $i i32) (local $row i32) (local $end i32) (local $at i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $qv v128)
    (local $s f32) (local $max f32) (local $w v128) (local $vmax v128) (local $sum v128)
    (local $o0 v128) (local $o1 v128) (local $o2 v128) (local $o3 v128)
    (local.set $stride (i32.shl (local.get $hd) (i32.const 2)))

    ;; Scores of keys 0..count-count%4, four at a time.
    (local.set $vmax (v128.const f32x4 -inf -inf -inf -inf))
    (local.set $row (local.get $keys))
    (local.set $j (i32.const 0))
    (block $fours
      (loop $four
        (br_if $fours (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $count)))
        (local.set $a0 (v128.const f32x4 0 0 0 0))
        (local.set $a1 (v128.const f32x4 0 0 0 0))
        (local.set $a2 (v128.const f32x4 0 0 0 0))
        (local.set $a3 (v128.const f32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (loop $dot
          (local.set $qv (v128.load (i32.add (local.get $q) (local.get $i))))
          (local.set $at (i32.add (local.get $row) (local.get $i)))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $qv) (v128.load (local.get $at)))))
          (local.set $at (i32.add (local.get $at) (local.get $stride)))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $qv) (v128.load (local.get $at)))))
          (local.set $at (i32.add (local.get $at) (local.get $stride)))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $qv) (v128.load (local.get $at)))))
          (local.set $at (i32.add (local.get $at) (local.get $stride)))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $qv) (v128.load (local.get $at)))))
          (br_if $dot (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $stride))))
        ;; [Σa0, Σa1, Σa2, Σa3], each as (l0 + l2) + (l1 + l3)
        (local.set $a0
          (f32x4.add
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a0) (local.get $a1))
            (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a0) (local.get $a1))))
        (local.set $a2
          (f32x4.add
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a2) (local.get $a3))
            (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a2) (local.get $a3))))
        (local.set $w
          (f32x4.mul (f32x4.splat (local.get $scale))
            (f32x4.add
              (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $a0) (local.get $a2))
              (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $a0) (local.get $a2)))))
        (v128.store (i32.add (local.get $scores) (i32.shl (local.get $j) (i32.const 2))) (local.get $w))
        (local.set $vmax (f32x4.max (local.get $vmax) (local.get $w)))
        (local.set $row (i32.add (local.get $row) (i32.shl (local.get $stride) (i32.const 2))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $four)))
    (local.set $max
      (f32.max
        (f32.max (f32x4.extract_lane 0 (local.get $vmax)) (f32x4.extract_lane 1 (local.get $vmax)))
        (f32.max (f32x4.extract_lane 2 (local.get $vmax)) (f32x4.extract_lane 3 (local.get $vmax)))))
    ;; The last count%4 keys one at a time.
    (block $done
      (loop $one
        (br_if $done (i32.ge_u (local.get $j) (local.get $count)))
        (local.set $a0 (v128.const f32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (loop $dot
          (local.set $a0
            (f32x4.add (local.get $a0)
              (f32x4.mul (v128.load (i32.add (local.get $q) (local.get $i))) (v128.load (i32.add (local.get $row) (local.get $i))))))
          (br_if $dot (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $stride))))
        (local.set $s
          (f32.mul (local.get $scale)
            (f32.add
              (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 2 (local.get $a0)))
              (f32.add (f32x4.extract_lane 1 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0))))))
        (f32.store (i32.add (local.get $scores) (i32.shl (local.get $j) (i32.const 2))) (local.get $s))
        (local.set $max (f32.max (local.get $max) (local.get $s)))
        (local.set $row (i32.add (local.get $row) (local.get $stride)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $one)))

    ;; exp(score - max), four at a time; lanes past count are zeroed, so the sum over whole vectors is the total.
    (local.set $w (f32x4.splat (local.get $max)))
    (local.set $sum (v128.const f32x4 0 0 0 0))
    (local.set $row (local.get $scores))
    (local.set $end (i32.add (local.get $scores) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $at (i32.add (local.get $scores) (i32.and (i32.add (i32.shl (local.get $count) (i32.const 2)) (i32.const 15)) (i32.const -16))))
    (block $zeroed
      (loop $zero
        (br_if $zeroed (i32.ge_u (local.get $end) (local.get $at)))
        (f32.store (local.get $end) (f32.const -inf))
        (local.set $end (i32.add (local.get $end) (i32.const 4)))
        (br $zero)))
    (loop $soft
      (local.set $a0 (call $exp4 (f32x4.sub (v128.load (local.get $row)) (local.get $w))))
      ;; exp4 clamps -inf to a tiny positive number: padding lanes are set to 0 exactly.
      (local.set $a0 (v128.and (local.get $a0) (f32x4.ne (v128.load (local.get $row)) (v128.const f32x4 -inf -inf -inf -inf))))
      (v128.store (local.get $row) (local.get $a0))
      (local.set $sum (f32x4.add (local.get $sum) (local.get $a0)))
      (br_if $soft (i32.lt_u (local.tee $row (i32.add (local.get $row) (i32.const 16))) (local.get $at))))
    (local.set $w
      (f32x4.splat
        (f32.div (f32.const 1)
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $sum)) (f32x4.extract_lane 2 (local.get $sum)))
            (f32.add (f32x4.extract_lane 1 (local.get $sum)) (f32x4.extract_lane 3 (local.get $sum)))))))

    ;; out = Σ eⱼ·vⱼ / Σ eⱼ, 16 output floats at a time, then 4 at a time.
    (local.set $i (i32.const 0))
    (block $wide
      (loop $chunk
        (br_if $wide (i32.gt_u (i32.add (local.get $i) (i32.const 64)) (local.get $stride)))
        (local.set $o0 (v128.const f32x4 0 0 0 0))
        (local.set $o1 (v128.const f32x4 0 0 0 0))
        (local.set $o2 (v128.const f32x4 0 0 0 0))
        (local.set $o3 (v128.const f32x4 0 0 0 0))
        (local.set $row (i32.add (local.get $values) (local.get $i)))
        (local.set $at (local.get $scores))
        (local.set $end (i32.add (local.get $scores) (i32.shl (local.get $count) (i32.const 2))))
        (loop $mix
          (local.set $qv (v128.load32_splat (local.get $at)))
          (local.set $o0 (f32x4.add (local.get $o0) (f32x4.mul (local.get $qv) (v128.load (local.get $row)))))
          (local.set $o1 (f32x4.add (local.get $o1) (f32x4.mul (local.get $qv) (v128.load offset=16 (local.get $row)))))
          (local.set $o2 (f32x4.add (local.get $o2) (f32x4.mul (local.get $qv) (v128.load offset=32 (local.get $row)))))
          (local.set $o3 (f32x4.add (local.get $o3) (f32x4.mul (local.get $qv) (v128.load offset=48 (local.get $row)))))
          (local.set $row (i32.add (local.get $row) (local.get $stride)))
          (br_if $mix (i32.lt_u (local.tee $at (i32.add (local.get $at) (i32.const 4))) (local.get $end))))
        (local.set $row (i32.add (local.get $out) (local.get $i)))
        (v128.store (local.get $row) (f32x4.mul (local.get $w) (local.get $o0)))
        (v128.store offset=16 (local.get $row) (f32x4.mul (local.get $w) (local.get $o1)))
        (v128.store offset=32 (local.get $row) (f32x4.mul (local.get $w) (local.get $o2)))
        (v128.store offset=48 (local.get $row) (f32x4.mul (local.get $w) (local.get $o3)))
        (local.set $i (i32.add (local.get $i) (i32.const 64)))
        (br $chunk)))
    (block $narrow
      (loop $chunk
        (br_if $narrow (i32.ge_u (local.get $i) (local.get $stride)))
        (local.set $o0 (v128.const f32x4 0 0 0 0))
        (local.set $row (i32.add (local.get $values) (local.get $i)))
        (local.set $at (local.get $scores))
        (local.set $end (i32.add (local.get $scores) (i32.shl (local.get $count) (i32.const 2))))
        (loop $mix
          (local.set $o0 (f32x4.add (local.get $o0) (f32x4.mul (v128.load32_splat (local.get $at)) (v128.load (local.get $row)))))
          (local.set $row (i32.add (local.get $row) (local.get $stride)))
          (br_if $mix (i32.lt_u (local.tee $at (i32.add (local.get $at) (i32.const 4))) (local.get $end))))
        (v128.store (i32.add (local.get $out) (local.get $i)) (f32x4.mul (local.get $w) (local.get $o0)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $chunk))))

  ;; One decoding step of one layer for every row and head. qkv [B, 3, H, hd]
  ;; holds each row's new query, key and value; the key and value go into the
  ;; caches [B, H, capacity, hd] at `position`, and out [B, H, hd] gets the
  ;; attention of each query over positions firsts[r]..position of its row
  ;; (firsts: B i32s), for rows [from, to): helper threads take other rows,
  ;; each with scores of its own. hd a multiple of 4; byte addresses, 16-byte aligned.
  (func (export "attendRows")
    (param $from i32) (param $to i32)
    (param $qkv i32) (param $keys i32) (param $values i32) (param $out i32) (param $scores i32) (param $firsts i32)
    (param $heads i32) (param $hd i32) (param $capacity i32) (param $position i32) (param $scale f32)
    (local $r i32) (local $h i32) (local $i i32) (local $first i32) (local $vector i32) (local $q i32)
    (local $slot i32) (local $head i32) (local $base i32)
    ;; bytes of one head vector, and of one (row, head)'s cache
    (local.set $vector (i32.shl (local.get $hd) (i32.const 2)))
    (local.set $slot (i32.mul (local.get $vector) (local.get $capacity)))
    (if (i32.ge_u (local.get $from) (local.get $to)) (then (return)))
    (local.set $r (local.get $from))
    (loop $row
      (local.set $first (i32.load (i32.add (local.get $firsts) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $h (i32.const 0))
      (loop $each
        ;; (r*H + h): the index of this (row, head)
        (local.set $head (i32.add (i32.mul (local.get $r) (local.get $heads)) (local.get $h)))
        (local.set $q
          (i32.add (local.get $qkv)
            (i32.mul (local.get $vector) (i32.add (i32.mul (local.get $r) (i32.mul (local.get $heads) (i32.const 3))) (local.get $h)))))
        (local.set $base (i32.mul (local.get $head) (local.get $slot)))
        (local.set $i (i32.const 0))
        (loop $copy
          (v128.store
            (i32.add (i32.add (local.get $keys) (local.get $base)) (i32.add (i32.mul (local.get $position) (local.get $vector)) (local.get $i)))
            (v128.load (i32.add (i32.add (local.get $q) (i32.mul (local.get $heads) (local.get $vector))) (local.get $i))))
          (v128.store
            (i32.add (i32.add (local.get $values) (local.get $base)) (i32.add (i32.mul (local.get $position) (local.get $vector)) (local.get $i)))
            (v128.load (i32.add (i32.add (local.get $q) (i32.mul (local.get $heads) (i32.shl (local.get $vector) (i32.const 1)))) (local.get $i))))
          (br_if $copy (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $vector))))
        (call $attend
          (local.get $q)
          (i32.add (i32.add (local.get $keys) (local.get $base)) (i32.mul (local.get $first) (local.get $vector)))
          (i32.add (i32.add (local.get $values) (local.get $base)) (i32.mul (local.get $first) (local.get $vector)))
          (i32.add (local.get $out) (i32.mul (local.get $head) (local.get $vector)))
          (local.get $scores)
          (local.get $hd)
          (i32.add (i32.sub (local.get $position) (local.get $first)) (i32.const 1))
          (local.get $scale))
        (br_if $each (i32.lt_u (local.tee $h (i32.add (local.get $h) (i32.const 1))) (local.get $heads))))
      (br_if $row (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $to)))))

  ;; GELU (tanh approximation as x·σ(2k(x + c·x³)), like gpt.ts) in place over
  ;; n floats at x, n a multiple of 4.
  (func (export "gelu") (param $x i32) (param $n i32)
    (local $end i32) (local $v v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (loop $each
      (local.set $v (v128.load (local.get $x)))
      ;; -2k(x + c·x³) = x·(-2k - 2kc·x²)
      (v128.store (local.get $x)
        (f32x4.div (local.get $v)
          (f32x4.add (v128.const f32x4 1 1 1 1)
            (call $exp4
              (f32x4.mul (local.get $v)
                (f32x4.add (v128.const f32x4 -1.59576912 -1.59576912 -1.59576912 -1.59576912)
                  (f32x4.mul (v128.const f32x4 -0.0713548163 -0.0713548163 -0.0713548163 -0.0713548163)
                    (f32x4.mul (local.get $v) (local.get $v)))))))))
      (br_if $each (i32.lt_u (local.tee $x (i32.add (local.get $x) (i32.const 16))) (local.get $end))))))
