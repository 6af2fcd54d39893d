"""Writes the tiny .npy files tools/npy_test.cc reads. Run with numpy:
    python3 tools/testdata/make_npy.py   (from the repository root)
"""
import os
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def save(name, array):
    np.save(os.path.join(here, name), array)


save("f4_2x3.npy", np.arange(6, dtype="<f4").reshape(2, 3) / 4)
save("f2_4.npy", np.array([1.0, -2.5, 0.5, 65504.0], dtype="<f2"))
save("i1_3.npy", np.array([-128, 0, 127], dtype="i1"))
save("i4_2x2.npy", np.array([[1, -2], [3, 2147483647]], dtype="<i4"))
save("i8_2.npy", np.array([-(2**40), 7], dtype="<i8"))
save("b1_3.npy", np.array([True, False, True]))
save("u1_4.npy", np.array([0, 1, 128, 255], dtype="u1"))
save("f8_3.npy", np.array([0.1, -1e300, 2.0], dtype="<f8"))
save("f4_scalar.npy", np.float32(3.5))
save("f4_fortran.npy", np.asfortranarray(np.zeros((2, 3), dtype="<f4")))
save("f4_bigendian.npy", np.zeros(2, dtype=">f4"))
save("c8_2.npy", np.zeros(2, dtype="<c8"))
# Version 2.0 is written only for huge headers; force it for a small array.
with open(os.path.join(here, "f4_v2.npy"), "wb") as f:
    np.lib.format.write_array(f, np.array([1.0, 2.0], dtype="<f4"), version=(2, 0))
