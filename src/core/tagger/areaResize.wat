;; The two inner loops of the tagger's INTER_AREA resize (areaResize.ts), in WebAssembly SIMD. The same loops in
;; JavaScript took several times as long and held the tagger's preparation near the speed of sd-scripts' Python.
;; Compiled by scripts/build-wasm.mjs into areaResizeKernel.ts; a unit test checks that the two agree.
;;
;; Both loops use what INTER_AREA's taps look like: consecutive source pixels, of which only the first and the last
;; may be partly covered; every one between has the same weight (1 / cell), so those are summed unweighted (bytes
;; as 16-bit integers, column sums as floats) and weighed once.
(module
  (memory (export "memory") 1)

  ;; acc[i] (float32) = the weighted sum of byte i of `rows` consecutive rows from src: the first row weighs
  ;; firstWeight, the last lastWeight, each one between innerWeight. For i < n rounded up to 16: it reads up to
  ;; 15 bytes past each row and writes up to 15 floats past acc[n - 1], so the caller leaves room.
  (func (export "sumRows")
    (param $src i32) (param $stride i32) (param $rows i32)
    (param $firstWeight f32) (param $innerWeight f32) (param $lastWeight f32) (param $acc i32) (param $n i32)
    (local $i i32) (local $at i32) (local $inner i32) (local $group i32) (local $to i32)
    (local $wa v128) (local $wi v128) (local $wb v128) (local $bytes v128) (local $half v128)
    (local $lo v128) (local $hi v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $wa (f32x4.splat (local.get $firstWeight)))
    (local.set $wi (f32x4.splat (local.get $innerWeight)))
    (local.set $wb (f32x4.splat (local.get $lastWeight)))
    (block $done
      (loop $chunk
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $at (i32.add (local.get $src) (local.get $i)))
        (if (i32.gt_s (local.get $rows) (i32.const 0))
          (then
            (local.set $bytes (v128.load (local.get $at)))
            (local.set $half (i16x8.extend_low_i8x16_u (local.get $bytes)))
            (local.set $a0 (f32x4.mul (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (local.get $half))) (local.get $wa)))
            (local.set $a1 (f32x4.mul (f32x4.convert_i32x4_u (i32x4.extend_high_i16x8_u (local.get $half))) (local.get $wa)))
            (local.set $half (i16x8.extend_high_i8x16_u (local.get $bytes)))
            (local.set $a2 (f32x4.mul (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (local.get $half))) (local.get $wa)))
            (local.set $a3 (f32x4.mul (f32x4.convert_i32x4_u (i32x4.extend_high_i16x8_u (local.get $half))) (local.get $wa)))))
        ;; The rows between, in groups of at most 257 so that 16-bit sums of bytes cannot overflow.
        (local.set $inner (i32.sub (local.get $rows) (i32.const 2)))
        (block $innerDone
          (loop $groups
            (br_if $innerDone (i32.le_s (local.get $inner) (i32.const 0)))
            (local.set $group (select (i32.const 257) (local.get $inner) (i32.gt_s (local.get $inner) (i32.const 257))))
            (local.set $inner (i32.sub (local.get $inner) (local.get $group)))
            (local.set $lo (v128.const i32x4 0 0 0 0))
            (local.set $hi (v128.const i32x4 0 0 0 0))
            (loop $row
              (local.set $at (i32.add (local.get $at) (local.get $stride)))
              (local.set $bytes (v128.load (local.get $at)))
              (local.set $lo (i16x8.add (local.get $lo) (i16x8.extend_low_i8x16_u (local.get $bytes))))
              (local.set $hi (i16x8.add (local.get $hi) (i16x8.extend_high_i8x16_u (local.get $bytes))))
              (local.set $group (i32.sub (local.get $group) (i32.const 1)))
              (br_if $row (i32.gt_s (local.get $group) (i32.const 0))))
            (local.set $a0 (f32x4.add (local.get $a0)
              (f32x4.mul (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (local.get $lo))) (local.get $wi))))
            (local.set $a1 (f32x4.add (local.get $a1)
              (f32x4.mul (f32x4.convert_i32x4_u (i32x4.extend_high_i16x8_u (local.get $lo))) (local.get $wi))))
            (local.set $a2 (f32x4.add (local.get $a2)
              (f32x4.mul (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (local.get $hi))) (local.get $wi))))
            (local.set $a3 (f32x4.add (local.get $a3)
              (f32x4.mul (f32x4.convert_i32x4_u (i32x4.extend_high_i16x8_u (local.get $hi))) (local.get $wi))))
            (br $groups)))
        (if (i32.gt_s (local.get $rows) (i32.const 1))
          (then
            (local.set $at (i32.add (local.get $at) (local.get $stride)))
            (local.set $bytes (v128.load (local.get $at)))
            (local.set $half (i16x8.extend_low_i8x16_u (local.get $bytes)))
            (local.set $a0 (f32x4.add (local.get $a0)
              (f32x4.mul (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (local.get $half))) (local.get $wb))))
            (local.set $a1 (f32x4.add (local.get $a1)
              (f32x4.mul (f32x4.convert_i32x4_u (i32x4.extend_high_i16x8_u (local.get $half))) (local.get $wb))))
            (local.set $half (i16x8.extend_high_i8x16_u (local.get $bytes)))
            (local.set $a2 (f32x4.add (local.get $a2)
              (f32x4.mul (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (local.get $half))) (local.get $wb))))
            (local.set $a3 (f32x4.add (local.get $a3)
              (f32x4.mul (f32x4.convert_i32x4_u (i32x4.extend_high_i16x8_u (local.get $half))) (local.get $wb))))))
        (local.set $to (i32.add (local.get $acc) (i32.shl (local.get $i) (i32.const 2))))
        (v128.store offset=0 (local.get $to) (local.get $a0))
        (v128.store offset=16 (local.get $to) (local.get $a1))
        (v128.store offset=32 (local.get $to) (local.get $a2))
        (v128.store offset=48 (local.get $to) (local.get $a3))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $chunk))))

  ;; One output row of `size` pixels, written as B,G,R, from a row of column sums (acc, 3 floats a pixel). `columns` holds 32 bytes
  ;; per output pixel: the byte offset of its first tap in acc (i32), its tap count (i32), the first, inner and last
  ;; tap weights, 255 times the weight of its padding columns, and the sum of its tap weights (f32). Each pixel adds
  ;; the white of the padding it covers (padWhite * yTotal + whiteRow * tapSum) and is rounded as OpenCV rounds:
  ;; floor((sum + half) / divisor), at most 255. Reads one float past a pixel's last tap and writes one byte past the
  ;; row's end.
  (func (export "outputRow")
    (param $acc i32) (param $out i32) (param $size i32) (param $columns i32)
    (param $whiteRow f32) (param $yTotal f32) (param $half f32) (param $divisor f32)
    (local $column i32) (local $end i32) (local $n i32) (local $at i32) (local $to i32)
    (local $sum v128) (local $inner v128) (local $value v128)
    (local.set $column (local.get $columns))
    (local.set $end (i32.add (local.get $columns) (i32.shl (local.get $size) (i32.const 5))))
    (local.set $to (local.get $out))
    (block $done
      (loop $pixel
        (br_if $done (i32.ge_u (local.get $column) (local.get $end)))
        (local.set $n (i32.load offset=4 (local.get $column)))
        (local.set $at (i32.add (local.get $acc) (i32.load (local.get $column))))
        (local.set $sum (v128.const i32x4 0 0 0 0))
        (if (i32.gt_s (local.get $n) (i32.const 0))
          (then
            (local.set $sum (f32x4.mul (v128.load (local.get $at)) (f32x4.splat (f32.load offset=8 (local.get $column)))))))
        (if (i32.gt_s (local.get $n) (i32.const 1))
          (then
            (local.set $inner (v128.const i32x4 0 0 0 0))
            (local.set $n (i32.sub (local.get $n) (i32.const 2)))
            (block $innerDone
              (loop $tap
                (br_if $innerDone (i32.le_s (local.get $n) (i32.const 0)))
                (local.set $at (i32.add (local.get $at) (i32.const 12)))
                (local.set $inner (f32x4.add (local.get $inner) (v128.load (local.get $at))))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br $tap)))
            (local.set $at (i32.add (local.get $at) (i32.const 12)))
            (local.set $sum (f32x4.add (local.get $sum)
              (f32x4.mul (local.get $inner) (f32x4.splat (f32.load offset=12 (local.get $column))))))
            (local.set $sum (f32x4.add (local.get $sum)
              (f32x4.mul (v128.load (local.get $at)) (f32x4.splat (f32.load offset=16 (local.get $column))))))))
        (local.set $value (f32x4.add
          (f32x4.add (local.get $sum) (f32x4.splat (f32.add
            (f32.mul (f32.load offset=20 (local.get $column)) (local.get $yTotal))
            (f32.mul (local.get $whiteRow) (f32.load offset=24 (local.get $column))))))
          (f32x4.splat (local.get $half))))
        (if (f32.ne (local.get $divisor) (f32.const 1))
          (then (local.set $value (f32x4.div (local.get $value) (f32x4.splat (local.get $divisor))))))
        (local.set $value (i32x4.trunc_sat_f32x4_u (f32x4.min (f32x4.splat (f32.const 255)) (f32x4.floor (local.get $value)))))
        (local.set $value (i16x8.narrow_i32x4_u (local.get $value) (local.get $value)))
        ;; Blue, green, red: the order sd-scripts hands the model (cv2's).
        (v128.store32_lane 0 (local.get $to) (i8x16.shuffle 2 1 0 3 4 5 6 7 8 9 10 11 12 13 14 15
          (i8x16.narrow_i16x8_u (local.get $value) (local.get $value)) (local.get $value)))
        (local.set $column (i32.add (local.get $column) (i32.const 32)))
        (local.set $to (i32.add (local.get $to) (i32.const 3)))
        (br $pixel))))
)
