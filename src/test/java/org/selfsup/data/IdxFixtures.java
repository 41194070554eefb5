package org.selfsup.data;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small IDX files like Fashion-MNIST's, for importer tests. */
public final class IdxFixtures {
  private IdxFixtures() {}

  /** Image i has pixel (y, x) = (i * 37 + y * cols + x * 3) mod 256; label i = i mod 10. */
  public static int pixel(int i, int y, int x, int cols) {
    return (i * 37 + y * cols + x * 3) % 256;
  }

  public static void write(Path dir, String imagesName, String labelsName, int count, int rows, int cols,
      boolean gzip) throws IOException {
    Files.createDirectories(dir);
    ByteArrayOutputStream images = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(images);
    out.writeInt(0x00000803);
    out.writeInt(count);
    out.writeInt(rows);
    out.writeInt(cols);
    for (int i = 0; i < count; i++) {
      for (int y = 0; y < rows; y++) {
        for (int x = 0; x < cols; x++) {
          out.writeByte(pixel(i, y, x, cols));
        }
      }
    }
    ByteArrayOutputStream labels = new ByteArrayOutputStream();
    DataOutputStream lout = new DataOutputStream(labels);
    lout.writeInt(0x00000801);
    lout.writeInt(count);
    for (int i = 0; i < count; i++) {
      lout.writeByte(i % 10);
    }
    save(dir.resolve(imagesName + (gzip ? ".gz" : "")), images.toByteArray(), gzip);
    save(dir.resolve(labelsName + (gzip ? ".gz" : "")), labels.toByteArray(), gzip);
  }

  private static void save(Path file, byte[] bytes, boolean gzip) throws IOException {
    try (OutputStream os = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
      os.write(bytes);
    }
  }
}
