package org.selfsup.runtime;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recognises a cloud store that refused this run for want of (valid) credentials, or a URI scheme
 * no file system is installed for, and turns it into a {@link UserError} naming the path and what
 * to set. These are mistakes in the set-up the user gave, not failures of the program.
 */
public final class CloudCredentials {
  private static final Pattern CLOUD_PATH = Pattern.compile("\\b((?:s3a?|s3n|gs|wasbs?|abfss?)://[^\\s:,;'\"()]+)");
  private static final Pattern NO_FS = Pattern.compile("No FileSystem for scheme \"?(\\w+)\"?");

  private static final String NO_CREDENTIALS = "no credentials";

  private CloudCredentials() {}

  /** A UserError for the credential (or missing file system) failure in {@code t}, or null when there is none. */
  public static UserError userErrorIn(Throwable t) {
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    String path = null;
    String kind = null;
    for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
      String text = c.getClass().getName() + ": " + c.getMessage();
      if (path == null) {
        Matcher m = CLOUD_PATH.matcher(text);
        path = m.find() ? m.group(1) : null;
      }
      Matcher noFs = NO_FS.matcher(text);
      if (noFs.find()) {
        return new UserError("no Hadoop file system for " + noFs.group(1) + ":// paths"
            + (path != null ? " (" + path + ")" : "") + ": put its connector on the classpath"
            + (noFs.group(1).equals("gs") ? " (the GCS connector jar, gcs-connector-hadoop3-*-shaded.jar)" : ""), t);
      }
      String failure = credentialFailure(text);
      if (kind == null || NO_CREDENTIALS.equals(failure)) { // "none given" explains a refusal best
        kind = failure != null ? failure : kind;
      }
    }
    if (kind == null) {
      return null;
    }
    String where = path != null ? path : "the object store";
    if (path != null && path.startsWith("gs://")) {
      return new UserError(kind + " for " + where + ": set GOOGLE_APPLICATION_CREDENTIALS or "
          + "fs.gs.auth.service.account.json.keyfile (spark.hadoop.fs.gs... in conf/spark-defaults.conf)", t);
    }
    return new UserError(kind + " for " + where + ": set fs.s3a.access.key and fs.s3a.secret.key "
        + "(spark.hadoop.fs.s3a.* in conf/spark-defaults.conf) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
        + "or run where an instance profile grants access", t);
  }

  /** "no credentials" or "credentials refused" when {@code text} (class: message) says so, else null. */
  static String credentialFailure(String text) {
    String lower = text.toLowerCase(Locale.ROOT);
    if (text.startsWith("org.apache.hadoop.fs.s3a.auth.NoAuthWithAWSException")
        || text.startsWith("org.apache.hadoop.fs.s3a.CredentialInitializationException")
        || lower.contains("noawscredentialsexception") || lower.contains("no aws credentials")
        || lower.contains("unable to load aws credentials")
        || lower.contains("unable to load credentials from")
        || lower.contains("the application default credentials are not available")) {
      return NO_CREDENTIALS;
    }
    boolean cloud = CLOUD_PATH.matcher(text).find() || lower.contains("amazon s3") || lower.contains("amazons3exception");
    if (cloud && (text.startsWith("java.nio.file.AccessDeniedException") || lower.contains("status code: 403")
        || lower.contains("invalidaccesskeyid") || lower.contains("signaturedoesnotmatch")
        || lower.contains("403 forbidden"))) {
      return "access denied (credentials refused)";
    }
    return null;
  }
}
