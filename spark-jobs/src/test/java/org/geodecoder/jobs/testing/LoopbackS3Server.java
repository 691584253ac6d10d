package org.geodecoder.jobs.testing;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * A real S3-compatible server (S3Proxy with a filesystem backend) on 127.0.0.1 and a random
 * port, with AWS v4 authentication, for S3A tests. {@link #hadoopConf()} gives the S3A settings
 * a user would put in spark-defaults / core-site; the two test-only ones work around S3Proxy
 * limits (see the README): real S3 keeps the defaults.
 */
public final class LoopbackS3Server implements AutoCloseable {
  public static final String ACCESS_KEY = "geodecoder-test-access";
  /** Distinctive so tests can assert it never leaks into logs or outputs. */
  public static final String SECRET_KEY = "s3cr3t-Xq7Zt9-never-log-me";

  private final S3Proxy proxy;
  private final BlobStoreContext context;

  private LoopbackS3Server(S3Proxy proxy, BlobStoreContext context) {
    this.proxy = proxy;
    this.context = context;
  }

  public static LoopbackS3Server start(Path storage, String... buckets) throws Exception {
    Properties props = new Properties();
    props.setProperty("jclouds.filesystem.basedir", storage.toString());
    BlobStoreContext context = ContextBuilder.newBuilder("filesystem")
        .credentials("identity", "credential").overrides(props).build(BlobStoreContext.class);
    for (String b : buckets) {
      context.getBlobStore().createContainerInLocation(null, b);
    }
    S3Proxy proxy = S3Proxy.builder()
        .blobStore(context.getBlobStore())
        .endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
        .build();
    proxy.start();
    long deadline = System.currentTimeMillis() + 30_000;
    while (!AbstractLifeCycle.STARTED.equals(proxy.getState())) {
      if (System.currentTimeMillis() > deadline) {
        proxy.stop();
        throw new IllegalStateException("S3Proxy did not start in 30 s: " + proxy.getState());
      }
      Thread.sleep(10);
    }
    return new LoopbackS3Server(proxy, context);
  }

  public String endpoint() {
    return "http://127.0.0.1:" + proxy.getPort();
  }

  /** Hadoop S3A settings (prefix each key with spark.hadoop. for a SparkConf). */
  public Map<String, String> hadoopConf() {
    return Map.ofEntries(
        Map.entry("fs.s3a.endpoint", endpoint()),
        Map.entry("fs.s3a.endpoint.region", "us-east-1"),
        Map.entry("fs.s3a.path.style.access", "true"),
        Map.entry("fs.s3a.connection.ssl.enabled", "false"),
        Map.entry("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"),
        Map.entry("fs.s3a.access.key", ACCESS_KEY),
        Map.entry("fs.s3a.secret.key", SECRET_KEY),
        // S3Proxy: bulk delete takes 30-40 s per request (s3proxy issue 297); real S3 keeps the defaults.
        Map.entry("fs.s3a.multiobjectdelete.enable", "false"),
        Map.entry("fs.s3a.directory.marker.retention", "keep"));
  }

  @Override
  public void close() throws Exception {
    proxy.stop();
    context.close();
  }
}
