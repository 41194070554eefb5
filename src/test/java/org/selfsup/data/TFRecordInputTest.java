package org.selfsup.data;

import org.junit.jupiter.api.Test;
import org.tensorflow.hadoop.util.Crc32C;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The framing reader alone, without Spark. */
class TFRecordInputTest {
  private static final String F = "file:/data/train-00000-of-00004";

  private static TFRecordInput input(byte[] b) {
    return new TFRecordInput(new ByteArrayInputStream(b), F);
  }

  private static List<byte[]> payloads(int n) {
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] p = new byte[10 + i];
      Arrays.fill(p, (byte) i);
      out.add(p);
    }
    return out;
  }

  @Test
  void readsWhatTensorflowHadoopWrote() {
    List<byte[]> ps = payloads(5);
    TFRecordInput in = input(TestData.frame(ps).bytes);
    assertFalse(in.isGzip());
    for (int i = 0; i < 5; i++) {
      assertArrayEquals(ps.get(i), in.next());
      assertEquals(i, in.lastIndex());
    }
    assertNull(in.next());
    assertNull(in.next());
  }

  @Test
  void emptyFileHasNoRecords() {
    assertNull(input(new byte[0]).next());
  }

  @Test
  void gzipDetectedByMagicNotName() {
    List<byte[]> ps = payloads(3);
    TFRecordInput in = input(TestData.gzip(TestData.frame(ps).bytes));
    assertTrue(in.isGzip());
    for (byte[] p : ps) {
      assertArrayEquals(p, in.next());
    }
    assertNull(in.next());
  }

  @Test
  void plainFileWhoseLengthLooksLikeGzipMagicIsPlain() {
    // length 0x081f8b = 532363: little-endian bytes 8b 1f 08 ... no: we need 1f 8b 08 first
    int len = 0x1f | 0x8b << 8 | 0x08 << 16; // bytes 1f 8b 08 00 ...
    byte[] p = new byte[len];
    p[0] = 42;
    TFRecordInput in = input(TestData.frame(Collections.singletonList(p)).bytes);
    assertFalse(in.isGzip());
    assertArrayEquals(p, in.next());
  }

  @Test
  void truncatedInsideBody() {
    TestData.Framed f = TestData.frame(payloads(3));
    int cut = f.offsets.get(2) + 12 + 5; // 5 of the 12 payload bytes of record 2
    TFRecordInput in = input(Arrays.copyOf(f.bytes, cut));
    in.next();
    in.next();
    BadRecordException e = assertThrows(BadRecordException.class, in::next);
    assertEquals(BadRecordKind.TRUNCATED, e.kind());
    assertEquals(2, e.record());
    assertEquals("truncated record 2 in " + F + " (file ends after 17 of 28 bytes)", e.getMessage());
    assertNull(in.next(), "nothing after a truncation");
  }

  @Test
  void truncatedInsideHeaderAndFooter() {
    TestData.Framed f = TestData.frame(payloads(2));
    TFRecordInput a = input(Arrays.copyOf(f.bytes, f.offsets.get(1) + 5));
    a.next();
    BadRecordException e = assertThrows(BadRecordException.class, a::next);
    assertTrue(e.getMessage().contains("file ends after 5 of the 12 header bytes"), e.getMessage());
    TFRecordInput b = input(Arrays.copyOf(f.bytes, f.bytes.length - 1));
    b.next();
    BadRecordException e2 = assertThrows(BadRecordException.class, b::next);
    assertTrue(e2.getMessage().contains("file ends after 26 of 27 bytes"), e2.getMessage());
  }

  @Test
  void truncatedGzip() {
    byte[] gz = TestData.gzip(TestData.frame(TestData.examples(0, 4)).bytes);
    TFRecordInput in = input(Arrays.copyOf(gz, gz.length / 2));
    assertTrue(in.isGzip());
    BadRecordException e = null;
    int good = 0;
    while (e == null) {
      try {
        if (in.next() == null) {
          break;
        }
        good++;
      } catch (BadRecordException x) {
        e = x;
      }
    }
    assertTrue(e != null, "a cut gzip stream must be reported");
    assertEquals(BadRecordKind.TRUNCATED, e.kind());
    assertEquals(good, e.record());
    assertTrue(good < 4);
    assertNull(in.next());
  }

  @Test
  void lengthCrcMismatchEndsTheFile() {
    TestData.Framed f = TestData.frame(payloads(3));
    byte[] b = f.bytes.clone();
    b[f.offsets.get(1) + 9] ^= 0x40;
    TFRecordInput in = input(b);
    in.next();
    BadRecordException e = assertThrows(BadRecordException.class, in::next);
    assertEquals(BadRecordKind.LENGTH_CRC, e.kind());
    assertEquals(1, e.record());
    assertTrue(e.getMessage().startsWith("corrupt length header of record 1 in " + F + " (length crc32c mismatch"),
        e.getMessage());
    assertNull(in.next());
  }

  @Test
  void dataCrcMismatchSkipsOnlyThatRecord() {
    List<byte[]> ps = payloads(3);
    TestData.Framed f = TestData.frame(ps);
    byte[] b = f.bytes.clone();
    b[f.payload(1) + 3] ^= 0x01;
    TFRecordInput in = input(b);
    assertArrayEquals(ps.get(0), in.next());
    BadRecordException e = assertThrows(BadRecordException.class, in::next);
    assertEquals(BadRecordKind.DATA_CRC, e.kind());
    assertEquals(1, e.record());
    assertTrue(e.getMessage().startsWith("corrupt data in record 1 in " + F + " (data crc32c mismatch"),
        e.getMessage());
    assertArrayEquals(ps.get(2), in.next());
    assertEquals(2, in.lastIndex());
    assertNull(in.next());
  }

  @Test
  void hugeLengthWithValidCrcIsRejectedWithoutAllocating() {
    byte[] h = new byte[12];
    ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).putInt(Crc32C.maskedCrc32c(h, 0, 8));
    BadRecordException e = assertThrows(BadRecordException.class, () -> input(h).next());
    assertEquals(BadRecordKind.LENGTH_CRC, e.kind());
    assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
  }
}
