//! Hash sets and maps with FxHash (rustc's), and byte-string keys compared without a memcmp call:
//! the per-message sets of device and event ids.

use crate::*;

/// FxHash (rustc's): fast for short keys such as device and event ids.
#[derive(Default, Clone, Copy)]
pub(crate) struct Fx(u64);
impl Hasher for Fx {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            h = (h.rotate_left(5) ^ u64::from_le_bytes(c.try_into().unwrap())).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            h = (h.rotate_left(5) ^ b as u64).wrapping_mul(K);
        }
        self.0 = h;
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}
pub(crate) type FxSet<T> = HashSet<T, BuildHasherDefault<Fx>>;

/// Bytes as a set key, compared by json::eq_short (no memcmp call for short keys such as device
/// ids); looked up by a plain `&[u8]` through `Bytes`.
#[derive(Clone)]
pub(crate) struct Key(pub(crate) Box<[u8]>);
/// The borrowed form of a Key.
#[repr(transparent)]
pub(crate) struct Bytes([u8]);
impl Bytes {
    #[inline(always)]
    pub(crate) fn of(b: &[u8]) -> &Bytes {
        // SAFETY: Bytes is a transparent wrapper of [u8].
        unsafe { &*(b as *const [u8] as *const Bytes) }
    }
}
impl std::borrow::Borrow<Bytes> for Key {
    #[inline(always)]
    fn borrow(&self) -> &Bytes {
        Bytes::of(&self.0)
    }
}
impl std::hash::Hash for Bytes {
    #[inline(always)]
    fn hash<H: Hasher>(&self, h: &mut H) {
        h.write(&self.0);
    }
}
impl std::hash::Hash for Key {
    #[inline(always)]
    fn hash<H: Hasher>(&self, h: &mut H) {
        h.write(&self.0);
    }
}
impl PartialEq for Bytes {
    #[inline(always)]
    fn eq(&self, o: &Bytes) -> bool {
        json::eq_short(&self.0, &o.0)
    }
}
impl Eq for Bytes {}
impl PartialEq for Key {
    #[inline(always)]
    fn eq(&self, o: &Key) -> bool {
        json::eq_short(&self.0, &o.0)
    }
}
impl Eq for Key {}
pub(crate) type KeySet = FxSet<Key>;
pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;
