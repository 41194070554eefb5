package org.selfsup.metrics;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import org.tensorflow.framework.Summary;
import org.tensorflow.util.Event;
import org.tensorflow.util.SessionLog;

/**
 * The {@code Event} protos of TensorBoard's event files (tensorflow/core/util/event.proto,
 * framework/summary.proto), encoded with protobuf-java's wire codec; the field numbers are the
 * generated classes' constants (inlined at compile time).
 *
 * <p>Why not the generated classes themselves: nd4j-api carries its own copy of
 * {@code org.tensorflow.framework.Summary} (built on nd4j's relocated protobuf), which shadows the
 * one of tensorflow's proto jar on this project's class path, so that {@code Event}, whose
 * builder takes a {@code Summary}, fails verification as soon as it loads.
 */
final class EventProto {
  private EventProto() {}

  /** An event's step and which payload it has; enough to filter a file by step. */
  static final class Header {
    final long step;
    final boolean hasSummary;
    final boolean hasSessionLog;
    final String fileVersion;

    Header(long step, boolean hasSummary, boolean hasSessionLog, String fileVersion) {
      this.step = step;
      this.hasSummary = hasSummary;
      this.hasSessionLog = hasSessionLog;
      this.fileVersion = fileVersion;
    }
  }

  static byte[] fileVersion(double wallTime, String version) throws IOException {
    return message(out -> {
      out.writeDouble(Event.WALL_TIME_FIELD_NUMBER, wallTime);
      out.writeString(Event.FILE_VERSION_FIELD_NUMBER, version);
    });
  }

  /** An event with a summary of float scalars (simple_value), in the map's order. */
  static byte[] scalars(double wallTime, long step, Map<String, Float> values) throws IOException {
    byte[] summary = message(out -> {
      for (Map.Entry<String, Float> v : values.entrySet()) {
        out.writeByteArray(Summary.VALUE_FIELD_NUMBER, message(value -> {
          value.writeString(Summary.Value.TAG_FIELD_NUMBER, v.getKey());
          value.writeFloat(Summary.Value.SIMPLE_VALUE_FIELD_NUMBER, v.getValue());
        }));
      }
    });
    return event(wallTime, step, Event.SUMMARY_FIELD_NUMBER, summary);
  }

  /** An event with a summary of encoded images: tag → (PNG, width, height, colorspace). */
  static byte[] images(double wallTime, long step, Map<String, byte[]> pngs) throws IOException {
    byte[] summary = message(out -> {
      for (Map.Entry<String, byte[]> v : pngs.entrySet()) {
        int[] header = pngHeader(v.getValue());
        out.writeByteArray(Summary.VALUE_FIELD_NUMBER, message(value -> {
          value.writeString(Summary.Value.TAG_FIELD_NUMBER, v.getKey());
          value.writeByteArray(Summary.Value.IMAGE_FIELD_NUMBER, message(image -> {
            image.writeInt32(Summary.Image.HEIGHT_FIELD_NUMBER, header[1]);
            image.writeInt32(Summary.Image.WIDTH_FIELD_NUMBER, header[0]);
            image.writeInt32(Summary.Image.COLORSPACE_FIELD_NUMBER, header[2]);
            image.writeByteArray(Summary.Image.ENCODED_IMAGE_STRING_FIELD_NUMBER, v.getValue());
          }));
        }));
      }
    });
    return event(wallTime, step, Event.SUMMARY_FIELD_NUMBER, summary);
  }

  /** A SessionLog START event: TensorBoard drops what it holds of this step and later ones. */
  static byte[] sessionStart(double wallTime, long step) throws IOException {
    byte[] log = message(out -> out.writeEnum(SessionLog.STATUS_FIELD_NUMBER, SessionLog.SessionStatus.START_VALUE));
    return event(wallTime, step, Event.SESSION_LOG_FIELD_NUMBER, log);
  }

  static Header header(byte[] event) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(event);
    long step = 0;
    boolean summary = false;
    boolean sessionLog = false;
    String version = null;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      int field = WireFormat.getTagFieldNumber(tag);
      if (field == Event.STEP_FIELD_NUMBER) {
        step = in.readInt64();
      } else if (field == Event.FILE_VERSION_FIELD_NUMBER) {
        version = in.readString();
      } else {
        summary |= field == Event.SUMMARY_FIELD_NUMBER;
        sessionLog |= field == Event.SESSION_LOG_FIELD_NUMBER;
        in.skipField(tag);
      }
    }
    return new Header(step, summary, sessionLog, version);
  }

  /** Width, height and TensorBoard colorspace (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA) from a PNG's IHDR chunk. */
  static int[] pngHeader(byte[] png) {
    byte[] signature = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (png.length < 26 || !java.util.Arrays.equals(java.util.Arrays.copyOf(png, 8), signature)) {
      throw new IllegalArgumentException("not a PNG image");
    }
    int width = java.nio.ByteBuffer.wrap(png, 16, 4).getInt();
    int height = java.nio.ByteBuffer.wrap(png, 20, 4).getInt();
    int colorType = png[25];
    int colorspace = colorType == 0 ? 1 : colorType == 4 ? 2 : colorType == 6 ? 4 : 3;
    return new int[] {width, height, colorspace};
  }

  private static byte[] event(double wallTime, long step, int payloadField, byte[] payload) throws IOException {
    return message(out -> {
      out.writeDouble(Event.WALL_TIME_FIELD_NUMBER, wallTime);
      out.writeInt64(Event.STEP_FIELD_NUMBER, step);
      out.writeByteArray(payloadField, payload);
    });
  }

  private interface Fields {
    void write(CodedOutputStream out) throws IOException;
  }

  private static byte[] message(Fields fields) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    fields.write(out);
    out.flush();
    return bytes.toByteArray();
  }
}
