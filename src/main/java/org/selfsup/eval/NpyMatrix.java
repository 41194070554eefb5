package org.selfsup.eval;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Writes a rows × columns float32 matrix as a NumPy {@code .npy} file (format 1.0: the magic
 * {@code \x93NUMPY}, version 1 0, a little-endian uint16 header length, the header dict padded
 * with spaces to a multiple of 64 bytes and ending in a newline, then the values little-endian,
 * row-major), which {@code numpy.load} reads. The row count goes into the header, so it is known
 * before the first row; {@link #close} checks that exactly that many rows came.
 */
final class NpyMatrix implements AutoCloseable {
  private static final int ALIGN = 64;

  private final OutputStream out;
  private final long rows;
  private final int columns;
  private final ByteBuffer row;
  private long written;

  NpyMatrix(OutputStream out, long rows, int columns) throws IOException {
    this.out = out;
    this.rows = rows;
    this.columns = columns;
    this.row = ByteBuffer.allocate(4 * columns).order(ByteOrder.LITTLE_ENDIAN);
    out.write(header(rows, columns));
  }

  /** The magic, version, length and dict of a float32 C-order matrix of that shape. */
  static byte[] header(long rows, int columns) {
    String dict = String.format(Locale.ROOT, "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }",
        rows, columns);
    int unpadded = 6 + 2 + 2 + dict.length() + 1;
    int padded = (unpadded + ALIGN - 1) / ALIGN * ALIGN;
    StringBuilder h = new StringBuilder(dict);
    while (6 + 2 + 2 + h.length() + 1 < padded) {
      h.append(' ');
    }
    h.append('\n');
    byte[] text = h.toString().getBytes(StandardCharsets.US_ASCII);
    ByteBuffer b = ByteBuffer.allocate(10 + text.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
    b.putShort((short) text.length).put(text);
    return b.array();
  }

  void writeRow(float[] values) throws IOException {
    if (values.length != columns) {
      throw new IllegalStateException("row " + written + " has " + values.length + " values, the matrix " + columns);
    }
    if (written == rows) {
      throw new IllegalStateException("more than the " + rows + " rows the header declares");
    }
    row.clear();
    row.asFloatBuffer().put(values);
    out.write(row.array());
    written++;
  }

  @Override
  public void close() throws IOException {
    out.close();
    if (written != rows) {
      throw new IllegalStateException(written + " rows written, the header declares " + rows);
    }
  }
}
