package org.selfsup.data;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.tensorflow.example.BytesList;
import org.tensorflow.example.Example;
import org.tensorflow.example.Feature;
import org.tensorflow.example.Int64List;

/**
 * Datasets with bad records, made from the committed Fashion-MNIST sample's records: a PNG bomb
 * (a valid PNG of huge declared size, a few KB), an undecodable image, a corrupt length header.
 */
public final class BadDatasets {
  private BadDatasets() {}

  public static Path sample() {
    try {
      return Paths.get(BadDatasets.class.getResource("/fashion_mnist_sample").toURI());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A valid 1-bit grayscale PNG of {@code width x height} all-black pixels, its chunks written by
   * hand: the zero rows deflate to about a thousandth of their size (20000 x 20000: ~50 KB, which
   * decoded would take gigabytes).
   */
  public static byte[] bombPng(int width, int height) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
    ByteBuffer ihdr = ByteBuffer.allocate(13);
    ihdr.putInt(width).putInt(height).put((byte) 1).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
    chunk(out, "IHDR", ihdr.array());
    byte[] row = new byte[1 + (width + 7) / 8]; // filter byte 0, then the packed pixels
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
    ByteArrayOutputStream idat = new ByteArrayOutputStream();
    byte[] buf = new byte[1 << 16];
    for (int y = 0; y < height; y++) {
      deflater.setInput(row);
      while (!deflater.needsInput()) {
        idat.write(buf, 0, deflater.deflate(buf));
      }
    }
    deflater.finish();
    while (!deflater.finished()) {
      idat.write(buf, 0, deflater.deflate(buf));
    }
    deflater.end();
    chunk(out, "IDAT", idat.toByteArray());
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
    out.writeBytes(t);
    out.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  /** The first {@code n} payloads (tf.train.Example bytes) of a sample shard. */
  public static List<byte[]> samplePayloads(String shard, int n) {
    Path p = sample().resolve(shard);
    List<byte[]> out = new ArrayList<>();
    try (InputStream in = Files.newInputStream(p); TFRecordInput records = new TFRecordInput(in, p.toString())) {
      byte[] payload;
      while (out.size() < n && (payload = records.next()) != null) {
        out.add(payload);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** A sample record with its image replaced by {@code image}. */
  public static byte[] withImage(byte[] samplePayload, byte[] image) {
    try {
      Example ex = Example.parseFrom(samplePayload);
      Example.Builder b = ex.toBuilder();
      b.getFeaturesBuilder().putFeature("image/encoded",
          Feature.newBuilder().setBytesList(BytesList.newBuilder().addValue(ByteString.copyFrom(image))).build());
      return b.build().toByteArray();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The label stored in a record (1-based, slim style). */
  public static long label(byte[] payload) {
    try {
      Int64List l = Example.parseFrom(payload).getFeatures().getFeatureOrThrow("image/class/label").getInt64List();
      return l.getValue(0);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes framed records; returns the offset where each record starts, then the file length. */
  public static long[] writeShard(Path file, List<byte[]> payloads) {
    TestData.Framed framed = TestData.frame(payloads);
    TestData.write(file, framed.bytes);
    long[] offsets = new long[payloads.size() + 1];
    for (int i = 0; i < payloads.size(); i++) {
      offsets[i] = framed.offsets.get(i);
    }
    offsets[payloads.size()] = framed.bytes.length;
    return offsets;
  }

  /** Flips a bit of record {@code record}'s length field: its length CRC no longer matches. */
  public static void corruptLengthHeader(Path file, long[] offsets, int record) {
    try {
      byte[] b = Files.readAllBytes(file);
      b[(int) offsets[record]] ^= 0x01;
      Files.write(file, b);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A truncated PNG (the first 60 bytes of a sample image): not decodable. */
  public static byte[] truncatedPng(byte[] samplePayload) {
    try {
      byte[] img = Example.parseFrom(samplePayload).getFeatures().getFeatureOrThrow("image/encoded")
          .getBytesList().getValue(0).toByteArray();
      return Arrays.copyOf(img, 60);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The name of the test shard of {@link #mixed}, whose record 20 has a corrupt length header. */
  public static final String MIXED_CUT_SHARD = "test-00000-of-00001";

  /**
   * A fashion_mnist-layout dataset: train-00000-of-00002 (the train split) = 20 sample records,
   * then a 20000x20000 PNG bomb (record 20) and a truncated PNG (record 21);
   * train-00001-of-00002 (the val split) = 20 records; test-00000-of-00001 = 30 records whose
   * record 20 has a corrupt length header, so records 21..29 are never read.
   *
   * @return the bytes of the test shard left unread after record 20's header
   */
  public static long mixed(Path dir) {
    List<byte[]> train = new ArrayList<>(samplePayloads("train-00000-of-00004", 22));
    train.set(20, withImage(train.get(20), bombPng(20000, 20000)));
    train.set(21, withImage(train.get(21), truncatedPng(train.get(21))));
    writeShard(dir.resolve("train-00000-of-00002"), train);
    writeShard(dir.resolve("train-00001-of-00002"), samplePayloads("train-00001-of-00004", 20));
    Path test = dir.resolve(MIXED_CUT_SHARD);
    long[] offsets = writeShard(test, samplePayloads("test-00000-of-00001", 30));
    corruptLengthHeader(test, offsets, 20);
    return offsets[30] - (offsets[20] + 12);
  }

  /** Like {@link #mixed} with only the bomb, as record 0 of train-00000-of-00002 (then 10 records). */
  public static void bombFirst(Path dir) {
    List<byte[]> train = new ArrayList<>(samplePayloads("train-00000-of-00004", 11));
    train.set(0, withImage(train.get(0), bombPng(20000, 20000)));
    writeShard(dir.resolve("train-00000-of-00002"), train);
    writeShard(dir.resolve("train-00001-of-00002"), samplePayloads("train-00001-of-00004", 10));
    writeShard(dir.resolve("test-00000-of-00001"), samplePayloads("test-00000-of-00001", 10));
  }
}
