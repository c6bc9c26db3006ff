package dev.weir.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A generated CRD's {@code openAPIV3Schema}, applied to an object the way the API server would on
 * {@code kubectl apply}: types, required and unknown fields (which the server would silently
 * prune), bounds, patterns, and the CEL rules the CRDs use. Only what {@code deploy/crds/} uses is
 * understood; anything else fails loudly, so a new schema feature is taught here rather than
 * skipped.
 */
final class CrdSchema {

  /** The CEL rule the generator writes for "exactly one of a and b": its two fields. */
  private static final Pattern EXACTLY_ONE_OF =
      Pattern.compile("has\\(self\\.(\\w+)\\) != has\\(self\\.(\\w+)\\)");

  private static final Set<String> KNOWN_KEYWORDS =
      Set.of(
          "type",
          "description",
          "properties",
          "required",
          "items",
          "minimum",
          "maximum",
          "minItems",
          "pattern",
          "format",
          "x-kubernetes-validations");

  private final String apiVersion;
  private final String kind;
  private final JsonNode schema;

  private CrdSchema(String apiVersion, String kind, JsonNode schema) {
    this.apiVersion = apiVersion;
    this.kind = kind;
    this.schema = schema;
  }

  /** The storage version's schema of the CRD in {@code file}. */
  static CrdSchema of(Path file) throws IOException {
    JsonNode crd = Rendering.YAML.readTree(Files.readString(file));
    JsonNode spec = crd.path("spec");
    for (JsonNode version : spec.path("versions")) {
      if (version.path("storage").asBoolean()) {
        return new CrdSchema(
            spec.path("group").asText() + "/" + version.path("name").asText(),
            spec.path("names").path("kind").asText(),
            version.path("schema").path("openAPIV3Schema"));
      }
    }
    throw new IOException(file + ": no storage version (expected: one with storage: true)");
  }

  String apiVersion() {
    return apiVersion;
  }

  String kind() {
    return kind;
  }

  /** What the API server would refuse or drop in {@code object}; empty when it takes it whole. */
  List<String> problems(JsonNode object) {
    List<String> problems = new ArrayList<>();
    if (!object.path("apiVersion").asText().equals(apiVersion)) {
      problems.add(
          "apiVersion: \""
              + object.path("apiVersion").asText()
              + "\" (expected: "
              + apiVersion
              + ")");
    }
    if (!object.path("kind").asText().equals(kind)) {
      problems.add("kind: \"" + object.path("kind").asText() + "\" (expected: " + kind + ")");
    }
    // apiVersion, kind and metadata are the API server's; the schema covers the rest.
    for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (Set.of("apiVersion", "kind", "metadata").contains(field.getKey())) {
        continue;
      }
      JsonNode property = schema.path("properties").path(field.getKey());
      if (property.isMissingNode()) {
        problems.add(field.getKey() + ": unknown field (the API server would drop it)");
      } else {
        check(field.getKey(), field.getValue(), property, problems);
      }
    }
    for (JsonNode required : schema.path("required")) {
      if (!object.has(required.asText())) {
        problems.add(required.asText() + ": is required");
      }
    }
    return problems;
  }

  private static void check(String path, JsonNode value, JsonNode schema, List<String> problems) {
    for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
      String keyword = it.next();
      if (!KNOWN_KEYWORDS.contains(keyword)) {
        throw new IllegalStateException(
            "schema of " + path + ": keyword " + keyword + " is not understood by CrdSchema");
      }
    }
    String type = schema.path("type").asText();
    boolean typed =
        switch (type) {
          case "object" -> value.isObject();
          case "array" -> value.isArray();
          case "string" -> value.isTextual();
          case "integer" -> value.isIntegralNumber();
          case "number" -> value.isNumber();
          case "boolean" -> value.isBoolean();
          default ->
              throw new IllegalStateException(
                  "schema of " + path + ": type \"" + type + "\" is not understood by CrdSchema");
        };
    if (!typed) {
      problems.add(path + ": " + value + " (expected: " + type + ")");
      return;
    }
    if (value.isNumber()) {
      if (schema.has("minimum") && value.asDouble() < schema.path("minimum").asDouble()) {
        problems.add(path + ": " + value + " is below " + schema.path("minimum").asDouble());
      }
      if (schema.has("maximum") && value.asDouble() > schema.path("maximum").asDouble()) {
        problems.add(path + ": " + value + " is above " + schema.path("maximum").asDouble());
      }
      if (schema.path("format").asText().equals("int32") && !value.canConvertToInt()) {
        problems.add(path + ": " + value + " (expected: a 32-bit integer)");
      }
    }
    if (value.isTextual()
        && schema.has("pattern")
        && !Pattern.compile(schema.path("pattern").asText()).matcher(value.asText()).find()) {
      problems.add(
          path
              + ": \""
              + value.asText()
              + "\" (expected: "
              + schema.path("pattern").asText()
              + ")");
    }
    if (value.isArray()) {
      if (schema.has("minItems") && value.size() < schema.path("minItems").asInt()) {
        problems.add(
            path
                + ": "
                + value.size()
                + " items (expected: at least "
                + schema.path("minItems").asInt()
                + ")");
      }
      for (int i = 0; i < value.size(); i++) {
        check(path + "[" + i + "]", value.get(i), schema.path("items"), problems);
      }
    }
    if (value.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        JsonNode property = schema.path("properties").path(field.getKey());
        if (property.isMissingNode()) {
          problems.add(
              path + "." + field.getKey() + ": unknown field (the API server would drop it)");
        } else {
          check(path + "." + field.getKey(), field.getValue(), property, problems);
        }
      }
      for (JsonNode required : schema.path("required")) {
        if (!value.has(required.asText())) {
          problems.add(path + "." + required.asText() + ": is required");
        }
      }
      for (JsonNode validation : schema.path("x-kubernetes-validations")) {
        String rule = validation.path("rule").asText();
        Matcher m = EXACTLY_ONE_OF.matcher(rule);
        if (!m.matches()) {
          throw new IllegalStateException(
              "schema of " + path + ": rule \"" + rule + "\" is not understood by CrdSchema");
        }
        if (value.has(m.group(1)) == value.has(m.group(2))) {
          problems.add(path + ": " + validation.path("message").asText());
        }
      }
    }
  }
}
