;; Dot products of one query with every row of a matrix, four lanes at a time (WebAssembly SIMD).
;; Memory layout: the matrix (rows x dim float32, row-major) from byte 0, the query (dim float32)
;; at $query, the scores (rows float32) written from $out. dim must be a multiple of 4.
(module
  (memory (export "memory") 1)
  (func (export "scores") (param $rows i32) (param $dim i32) (param $query i32) (param $out i32)
    (local $r i32)
    (local $p i32)
    (local $q i32)
    (local $qend i32)
    (local $a v128)
    (local $b v128)
    (local.set $qend (i32.add (local.get $query) (i32.shl (local.get $dim) (i32.const 2))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $a (v128.const f32x4 0 0 0 0))
        (local.set $b (v128.const f32x4 0 0 0 0))
        (local.set $q (local.get $query))
        (block $row_done
          (loop $lanes
            (br_if $row_done (i32.ge_u (local.get $q) (local.get $qend)))
            (local.set $a
              (f32x4.add (local.get $a) (f32x4.mul (v128.load (local.get $p)) (v128.load (local.get $q)))))
            (local.set $b
              (f32x4.add (local.get $b)
                (f32x4.mul (v128.load offset=16 (local.get $p)) (v128.load offset=16 (local.get $q)))))
            (local.set $p (i32.add (local.get $p) (i32.const 32)))
            (local.set $q (i32.add (local.get $q) (i32.const 32)))
            (br $lanes)))
        (local.set $a (f32x4.add (local.get $a) (local.get $b)))
        (f32.store
          (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $a)) (f32x4.extract_lane 1 (local.get $a)))
            (f32.add (f32x4.extract_lane 2 (local.get $a)) (f32x4.extract_lane 3 (local.get $a)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row)))))
