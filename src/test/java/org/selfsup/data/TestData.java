package org.selfsup.data;

import com.google.protobuf.ByteString;
import org.tensorflow.example.BytesList;
import org.tensorflow.example.Example;
import org.tensorflow.example.Feature;
import org.tensorflow.example.Features;
import org.tensorflow.example.Int64List;
import org.tensorflow.hadoop.util.TFRecordWriter;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Builds small slim-style Examples and TFRecord files for the tests. */
final class TestData {
  private TestData() {
  }

  /** A tiny 4x3 PNG whose pixels depend on {@code seed}. */
  static byte[] png(int seed) {
    BufferedImage img = new BufferedImage(4, 3, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 3; y++) {
      for (int x = 0; x < 4; x++) {
        img.setRGB(x, y, (seed * 7919 + x * 31 + y * 17) & 0xffffff);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static Feature bytes(String s) {
    return bytes(s.getBytes(StandardCharsets.UTF_8));
  }

  static Feature bytes(byte[] b) {
    return Feature.newBuilder().setBytesList(BytesList.newBuilder().addValue(ByteString.copyFrom(b))).build();
  }

  static Feature int64(long v) {
    return Feature.newBuilder().setInt64List(Int64List.newBuilder().addValue(v)).build();
  }

  /** A full slim Example: label 1-based (1..10 for i = 0..19), plus keys the reader must ignore. */
  static Features.Builder slimFeatures(int i) {
    int label = i % 10 + 1;
    return Features.newBuilder()
        .putFeature("image/encoded", bytes(png(i)))
        .putFeature("image/class/label", int64(label))
        .putFeature("image/format", bytes("PNG"))
        .putFeature("image/height", int64(3))
        .putFeature("image/width", int64(4))
        .putFeature("image/class/text", bytes("class " + label))
        .putFeature("image/filename", bytes("img_" + i + ".png"))
        .putFeature("image/colorspace", bytes("RGB"))
        .putFeature("image/class/synset", bytes(String.format("n%08d", label)))
        .putFeature("image/object/bbox/xmin", Feature.newBuilder()
            .setFloatList(org.tensorflow.example.FloatList.newBuilder().addValue(0.1f)).build());
  }

  static Example slimExample(int i) {
    return Example.newBuilder().setFeatures(slimFeatures(i)).build();
  }

  /** Framed records, and where each record starts in the bytes. */
  static final class Framed {
    final byte[] bytes;
    final List<Integer> offsets;

    Framed(byte[] bytes, List<Integer> offsets) {
      this.bytes = bytes;
      this.offsets = offsets;
    }

    /** Offset of record i's payload. */
    int payload(int i) {
      return offsets.get(i) + 12;
    }
  }

  /** Frames payloads with tensorflow-hadoop's own TFRecordWriter. */
  static Framed frame(List<byte[]> payloads) {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bos);
    TFRecordWriter w = new TFRecordWriter(out);
    List<Integer> offsets = new ArrayList<>();
    try {
      for (byte[] p : payloads) {
        out.flush();
        offsets.add(bos.size());
        w.write(p);
      }
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Framed(bos.toByteArray(), offsets);
  }

  /** Payloads of slim Examples first..first+n-1. */
  static List<byte[]> examples(int first, int n) {
    List<byte[]> out = new ArrayList<>();
    for (int i = first; i < first + n; i++) {
      out.add(slimExample(i).toByteArray());
    }
    return out;
  }

  static Path write(Path file, byte[] bytes) {
    try {
      Files.createDirectories(file.getParent());
      return Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] gzip(byte[] plain) {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream g = new java.util.zip.GZIPOutputStream(bos)) {
      g.write(plain);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bos.toByteArray();
  }
}
