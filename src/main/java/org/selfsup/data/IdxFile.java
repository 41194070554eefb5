package org.selfsup.data;

import org.selfsup.runtime.UserError;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.selfsup.runtime.UserError;

/** The IDX format of MNIST and Fashion-MNIST (plain or gzip): unsigned bytes, big-endian header. */
public final class IdxFile {
  private static final int MAGIC_UBYTE_1D = 0x00000801;
  private static final int MAGIC_UBYTE_3D = 0x00000803;

  /** Images as {@code count × rows × cols} bytes, row-major. */
  public static final class Images {
    public final int count;
    public final int rows;
    public final int cols;
    public final byte[] pixels;

    Images(int count, int rows, int cols, byte[] pixels) {
      this.count = count;
      this.rows = rows;
      this.cols = cols;
      this.pixels = pixels;
    }
  }

  private IdxFile() {}

  public static Images readImages(Configuration conf, Path path, int limit) throws IOException {
    try (DataInputStream in = open(conf, path)) {
      int magic = in.readInt();
      if (magic != MAGIC_UBYTE_3D) {
        throw new UserError(String.format(
            "%s is not an IDX image file (magic 0x%08x, expected 0x%08x)", path, magic, MAGIC_UBYTE_3D));
      }
      int count = in.readInt();
      int rows = in.readInt();
      int cols = in.readInt();
      int n = limit > 0 ? Math.min(limit, count) : count;
      byte[] pixels = new byte[Math.multiplyExact(Math.multiplyExact(n, rows), cols)];
      readFully(in, pixels, path);
      return new Images(n, rows, cols, pixels);
    }
  }

  public static byte[] readLabels(Configuration conf, Path path, int limit) throws IOException {
    try (DataInputStream in = open(conf, path)) {
      int magic = in.readInt();
      if (magic != MAGIC_UBYTE_1D) {
        throw new UserError(String.format(
            "%s is not an IDX label file (magic 0x%08x, expected 0x%08x)", path, magic, MAGIC_UBYTE_1D));
      }
      int count = in.readInt();
      byte[] labels = new byte[limit > 0 ? Math.min(limit, count) : count];
      readFully(in, labels, path);
      return labels;
    }
  }

  private static void readFully(DataInputStream in, byte[] into, Path path) throws IOException {
    try {
      in.readFully(into);
    } catch (EOFException e) {
      throw new UserError(path + " is truncated: expected " + into.length + " bytes of data");
    }
  }

  private static DataInputStream open(Configuration conf, Path path) throws IOException {
    FileSystem fs = HadoopFiles.of(path, conf);
    InputStream raw = new BufferedInputStream(fs.open(path), 1 << 16);
    raw.mark(2);
    int b0 = raw.read();
    int b1 = raw.read();
    raw.reset();
    InputStream in = (b0 == 0x1f && b1 == 0x8b) ? new GZIPInputStream(raw, 1 << 16) : raw;
    return new DataInputStream(in);
  }
}
