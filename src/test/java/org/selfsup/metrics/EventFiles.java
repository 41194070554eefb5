package org.selfsup.metrics;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * A reader of TensorBoard event files that shares no code with the writer: the TFRecord framing
 * parsed by hand (8-byte little-endian length, its masked CRC32C, the data, the data's masked
 * CRC32C, checked with the JDK's CRC32C), each record parsed by the generated {@code Event} class
 * of tensorflow's proto jar, loaded in a class loader of its own with protobuf-java only (on the
 * test class path nd4j's copy of {@code Summary} would shadow the jar's).
 */
final class EventFiles {
  private EventFiles() {}

  /** One value of an event's summary. */
  static final class Value {
    String tag;
    Float simpleValue;
    byte[] png;
    int width;
    int height;
    int colorspace;
  }

  /** One event. */
  static final class Event {
    String file;
    double wallTime;
    long step;
    String fileVersion;
    List<Value> values = new ArrayList<>();
    Integer sessionStatus;

    Value value(String tag) {
      return values.stream().filter(v -> v.tag.equals(tag)).findFirst().orElse(null);
    }
  }

  /** The event files of a folder in name order (TensorBoard's reading order). */
  static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).sorted()
          .collect(Collectors.toList());
    }
  }

  /** The events of every file of a folder, in reading order. */
  static List<Event> readDir(Path dir) throws Exception {
    List<Event> out = new ArrayList<>();
    for (Path f : files(dir)) {
      out.addAll(read(f));
    }
    return out;
  }

  static List<Event> read(Path file) throws Exception {
    return read(file.getFileName().toString(), Files.readAllBytes(file));
  }

  /** The events of one file's bytes. */
  static List<Event> read(String file, byte[] bytes) throws Exception {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    List<Event> out = new ArrayList<>();
    while (b.hasRemaining()) {
      byte[] len = new byte[8];
      b.get(len);
      int lenCrc = b.getInt();
      if (lenCrc != masked(len)) {
        throw new IOException(file + ": bad length CRC at record " + out.size());
      }
      long n = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
      byte[] data = new byte[Math.toIntExact(n)];
      b.get(data);
      if (b.getInt() != masked(data)) {
        throw new IOException(file + ": bad data CRC at record " + out.size());
      }
      Event e = parse(data);
      e.file = file;
      out.add(e);
    }
    return out;
  }

  /** TFRecord's mask: rotate right by 15, add 0xa282ead8. */
  static int masked(byte[] data) {
    CRC32C crc = new CRC32C();
    crc.update(data);
    int c = (int) crc.getValue();
    return ((c >>> 15) | (c << 17)) + 0xa282ead8;
  }

  private static ClassLoader protoLoader;

  private static synchronized ClassLoader protoLoader() throws IOException {
    if (protoLoader == null) {
      URL proto = jar("org/tensorflow/util/Event.class", "/org/tensorflow/proto/");
      URL protobuf = jar("com/google/protobuf/CodedInputStream.class", "protobuf-java");
      protoLoader = new URLClassLoader(new URL[] {proto, protobuf}, ClassLoader.getPlatformClassLoader());
    }
    return protoLoader;
  }

  /** The jar holding {@code resource} whose path contains {@code marker}. */
  private static URL jar(String resource, String marker) throws IOException {
    Enumeration<URL> found = EventFiles.class.getClassLoader().getResources(resource);
    while (found.hasMoreElements()) {
      String u = found.nextElement().toString();
      if (u.startsWith("jar:") && u.contains(marker)) {
        return new URL(u.substring(4, u.indexOf("!/")));
      }
    }
    throw new IllegalStateException("no jar with " + resource + " and " + marker + " on the class path");
  }

  private static Event parse(byte[] data) throws Exception {
    Class<?> eventClass = Class.forName("org.tensorflow.util.Event", true, protoLoader());
    Object pe = eventClass.getMethod("parseFrom", byte[].class).invoke(null, data);
    Event e = new Event();
    e.wallTime = (double) call(pe, "getWallTime");
    e.step = (long) call(pe, "getStep");
    String version = (String) call(pe, "getFileVersion");
    e.fileVersion = version.isEmpty() ? null : version;
    if ((boolean) call(pe, "hasSessionLog")) {
      e.sessionStatus = (int) call(call(pe, "getSessionLog"), "getStatusValue");
    }
    if ((boolean) call(pe, "hasSummary")) {
      for (Object pv : (List<?>) call(call(pe, "getSummary"), "getValueList")) {
        Value v = new Value();
        v.tag = (String) call(pv, "getTag");
        String kind = call(pv, "getValueCase").toString();
        if (kind.equals("SIMPLE_VALUE")) {
          v.simpleValue = (float) call(pv, "getSimpleValue");
        } else if (kind.equals("IMAGE")) {
          Object img = call(pv, "getImage");
          v.png = (byte[]) call(call(img, "getEncodedImageString"), "toByteArray");
          v.width = (int) call(img, "getWidth");
          v.height = (int) call(img, "getHeight");
          v.colorspace = (int) call(img, "getColorspace");
        } else {
          throw new IllegalStateException("unexpected summary value " + kind + " of " + v.tag);
        }
        e.values.add(v);
      }
    }
    return e;
  }

  private static Object call(Object target, String method) throws Exception {
    Method m = target.getClass().getMethod(method);
    m.setAccessible(true);
    return m.invoke(target);
  }
}
