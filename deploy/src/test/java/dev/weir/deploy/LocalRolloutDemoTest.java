package dev.weir.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The rollout demo of local mode holds together: the lines {@code deploy/local/up.sh} prints start
 * a rollout of hello-00003 by one edit of the Route's file and undo it, the Rollout governing that
 * Route sits in the config cluster's folder, and the background load up.sh sends is enough for the
 * Rollout's first verdict to pass on a healthy revision.
 */
class LocalRolloutDemoTest {

  static final Path LOCAL = ManifestsTest.DEPLOY.resolve("local");
  static final Path UP = LOCAL.resolve("up.sh");

  @Test
  void upShIsValidBash() throws Exception {
    Process p = new ProcessBuilder("bash", "-n", UP.toString()).redirectErrorStream(true).start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("bash -n up.sh: %s", output).isZero();
  }

  @Test
  void thePrintedEditMovesHello00001sShareToHello00003AndTheReverseUndoesIt() throws Exception {
    String up = Files.readString(UP);
    assertThat(up).contains("route_file=\"$here/east/route-hello.yaml\"");
    Path route = LOCAL.resolve("east/route-hello.yaml");
    String original = Files.readString(route);

    String rolledOut = sed(assignment(up, "to_00003"), route);
    JsonNode spec = single(rolledOut).path("spec");
    assertThat(ManifestsTest.crdSchemasByKind().get("Route").problems(single(rolledOut))).isEmpty();
    Map<String, Integer> before = percentsByRevisionName(single(original).path("spec"));
    Map<String, Integer> after = percentsByRevisionName(spec);
    assertThat(before).containsEntry("hello-00001", 90).doesNotContainKey("hello-00003");
    assertThat(after)
        .containsEntry("hello-00003", before.get("hello-00001"))
        .doesNotContainKey("hello-00001");
    // Only that target changes: tags and the other entries stay as they were.
    assertThat(rolledOut.lines().filter(l -> !original.contains(l))).hasSize(1);

    Path edited = Files.createTempFile("route-hello", ".yaml");
    try {
      Files.writeString(edited, rolledOut);
      assertThat(sed(assignment(up, "to_00001"), edited)).isEqualTo(original);
    } finally {
      Files.delete(edited);
    }
  }

  @Test
  void theFailureLinesTellHello00003ToFailAndUpShStartsItThere() throws Exception {
    String up = Files.readString(UP);
    assertThat(up)
        .contains("curl -X POST 'http://127.0.0.1:9003/_demo/fail?percent=33'")
        .contains("curl -X POST 'http://127.0.0.1:9003/_demo/fail?percent=0'")
        .contains("--name \"hello-0000$n\" --port \"900$n\"");
    // hello-00003's endpoint is that port.
    String west = Files.readString(LOCAL.resolve("west/revisions-hello.yaml"));
    assertThat(west).contains("kubernetes.io/service-name: hello-00003").contains("port: 9003");
    for (String action : List.of("retry", "promote", "abort")) {
      assertThat(up)
          .contains("curl -X POST http://127.0.0.1:9090/api/v1/rollouts/default/hello/" + action);
    }
  }

  @Test
  void theRolloutLivesInTheConfigClusterAndTheBackgroundLoadCanPassItsFirstVerdict()
      throws Exception {
    JsonNode clusters = Rendering.YAML.readTree(LOCAL.resolve("clusters.yaml").toFile());
    String config = null;
    for (JsonNode c : clusters.path("clusters")) {
      if (c.path("config").asBoolean()) {
        config = c.path("directory").asText();
      }
    }
    assertThat(config).isEqualTo("east/");
    JsonNode rollout =
        single(Files.readString(LOCAL.resolve(config).resolve("rollout-hello.yaml")));
    assertThat(rollout.path("kind").asText()).isEqualTo("Rollout");
    assertThat(rollout.path("spec").path("routeRef").path("name").asText()).isEqualTo("hello");

    // The first setWeight moves w% of the edit's share (90 points) to hello-00003; the next pause
    // is the window its first verdict is judged on.
    JsonNode steps = rollout.path("spec").path("steps");
    int weight = steps.get(0).path("setWeight").asInt();
    String pause = steps.get(1).path("pause").path("duration").asText();
    assertThat(pause).matches("\\d+s");
    int seconds = Integer.parseInt(pause.substring(0, pause.length() - 1));
    double share = weight / 100.0 * 90 / 100.0;
    int minRequests = rollout.path("spec").path("analysis").path("minRequests").asInt();

    // up.sh's background load: a batch of requests (one curl, a URL range), one batch a second.
    String load = function(Files.readString(UP), "demo_load");
    Matcher batch = Pattern.compile("\\?n=\\[1-(\\d+)]").matcher(load);
    Matcher period = Pattern.compile("sleep (\\d+) & pacer=").matcher(load);
    assertThat(batch.find()).as("a batch of requests in demo_load").isTrue();
    assertThat(period.find()).as("the pace of demo_load").isTrue();
    double perSecond = Double.parseDouble(batch.group(1)) / Double.parseDouble(period.group(1));
    assertThat(Files.readString(UP)).contains("start load demo_load");

    // Half again as many as needed leaves room for a slow batch.
    assertThat(perSecond * share * seconds)
        .as("requests hello-00003 gets in its first window")
        .isGreaterThanOrEqualTo(1.5 * minRequests);
  }

  /** The body of the shell function {@code name} in {@code script}. */
  private static String function(String script, String name) {
    Matcher m = Pattern.compile("(?ms)^" + name + "\\(\\) \\{$(.*?)^}$").matcher(script);
    assertThat(m.find()).as("function %s in up.sh", name).isTrue();
    return m.group(1);
  }

  /** The single-quoted value of {@code name='...'} in up.sh. */
  private static String assignment(String script, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + "='([^']*)'$").matcher(script);
    assertThat(m.find()).as("%s='...' in up.sh", name).isTrue();
    return m.group(1);
  }

  /** What {@code sed -e expression file} prints: the edit the user runs, without -i. */
  private static String sed(String expression, Path file) throws Exception {
    Process p = new ProcessBuilder("sed", "-e", expression, file.toString()).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("sed -e %s", expression).isZero();
    return out;
  }

  private static JsonNode single(String yaml) throws IOException {
    List<JsonNode> docs = Rendering.documents(yaml);
    assertThat(docs).hasSize(1);
    return docs.get(0);
  }

  private static Map<String, Integer> percentsByRevisionName(JsonNode spec) {
    Map<String, Integer> percents = new LinkedHashMap<>();
    int sum = 0;
    for (JsonNode t : spec.path("traffic")) {
      sum += t.path("percent").asInt();
      if (t.has("revisionName")) {
        percents.merge(t.path("revisionName").asText(), t.path("percent").asInt(), Integer::sum);
      }
    }
    assertThat(sum).isEqualTo(100);
    return percents;
  }
}
