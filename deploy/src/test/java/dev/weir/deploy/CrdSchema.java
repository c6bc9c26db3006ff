package dev.weir.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

  /** Keywords that constrain a value, each checked below. */
  private static final Set<String> CHECKED =
      Set.of(
          "type",
          "nullable",
          "enum",
          "properties",
          "additionalProperties",
          "required",
          "items",
          "minimum",
          "maximum",
          "exclusiveMinimum",
          "exclusiveMaximum",
          "minItems",
          "maxItems",
          "minLength",
          "maxLength",
          "pattern",
          "format",
          "x-kubernetes-validations",
          "x-kubernetes-preserve-unknown-fields",
          "x-kubernetes-int-or-string");

  /** Keywords that document or steer merging and defaulting, not what is accepted. */
  private static final Set<String> IGNORED =
      Set.of(
          "description",
          "title",
          "example",
          "default",
          "x-kubernetes-list-type",
          "x-kubernetes-list-map-keys",
          "x-kubernetes-map-type",
          "x-kubernetes-embedded-resource");

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
    ObjectNode rest = object.deepCopy();
    rest.remove(List.of("apiVersion", "kind", "metadata"));
    check("", rest, schema, problems);
    return problems;
  }

  private static void check(String path, JsonNode value, JsonNode schema, List<String> problems) {
    for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
      String keyword = it.next();
      if (!CHECKED.contains(keyword) && !IGNORED.contains(keyword)) {
        throw new IllegalStateException(
            "schema of "
                + where(path)
                + ": keyword "
                + keyword
                + " is not understood by deploy's CrdSchema (a test class): teach it there");
      }
    }
    if (value.isNull()) {
      if (!schema.path("nullable").asBoolean()) {
        problems.add(where(path) + ": null (expected: a value, or no field)");
      }
      return;
    }
    if (!typed(value, schema)) {
      problems.add(where(path) + ": " + value + " (expected: " + expectedType(schema) + ")");
      return;
    }
    if (schema.has("enum") && !contains(schema.path("enum"), value)) {
      problems.add(where(path) + ": " + value + " (expected: one of " + schema.path("enum") + ")");
    }
    if (value.isNumber()) {
      checkBounds(path, value, schema, problems);
    }
    if (value.isTextual()) {
      checkString(path, value.asText(), schema, problems);
    }
    if (value.isArray()) {
      checkSize(
          path, value.size(), "items", schema.path("minItems"), schema.path("maxItems"), problems);
      for (int i = 0; i < value.size(); i++) {
        check(path + "[" + i + "]", value.get(i), schema.path("items"), problems);
      }
    }
    if (value.isObject()) {
      checkObject(path, value, schema, problems);
    }
  }

  private static boolean typed(JsonNode value, JsonNode schema) {
    if (schema.path("x-kubernetes-int-or-string").asBoolean()) {
      return value.isIntegralNumber() || value.isTextual();
    }
    String type = schema.path("type").asText("");
    return switch (type) {
      case "object" -> value.isObject();
      case "array" -> value.isArray();
      case "string" -> value.isTextual();
      case "integer" -> value.isIntegralNumber();
      case "number" -> value.isNumber();
      case "boolean" -> value.isBoolean();
      // No type: only where unknown fields are preserved, which takes any value.
      case "" -> schema.path("x-kubernetes-preserve-unknown-fields").asBoolean();
      default ->
          throw new IllegalStateException(
              "schema: type \"" + type + "\" is not understood by deploy's CrdSchema");
    };
  }

  private static String expectedType(JsonNode schema) {
    return schema.path("x-kubernetes-int-or-string").asBoolean()
        ? "integer or string"
        : schema.path("type").asText("a value");
  }

  private static void checkBounds(
      String path, JsonNode value, JsonNode schema, List<String> problems) {
    double v = value.asDouble();
    if (schema.has("minimum")) {
      double min = schema.path("minimum").asDouble();
      if (v < min || v == min && schema.path("exclusiveMinimum").asBoolean()) {
        problems.add(where(path) + ": " + value + " is below " + min);
      }
    }
    if (schema.has("maximum")) {
      double max = schema.path("maximum").asDouble();
      if (v > max || v == max && schema.path("exclusiveMaximum").asBoolean()) {
        problems.add(where(path) + ": " + value + " is above " + max);
      }
    }
    if (schema.path("format").asText().equals("int32") && !value.canConvertToInt()) {
      problems.add(where(path) + ": " + value + " (expected: a 32-bit integer)");
    }
  }

  private static void checkString(
      String path, String value, JsonNode schema, List<String> problems) {
    checkSize(
        path,
        value.length(),
        "characters",
        schema.path("minLength"),
        schema.path("maxLength"),
        problems);
    String pattern = schema.path("pattern").asText(null);
    if (pattern != null && !Pattern.compile(pattern).matcher(value).find()) {
      problems.add(where(path) + ": \"" + value + "\" (expected: " + pattern + ")");
    }
  }

  private static void checkSize(
      String path, int size, String unit, JsonNode min, JsonNode max, List<String> problems) {
    if (min.isNumber() && size < min.asInt()) {
      problems.add(where(path) + ": " + size + " " + unit + " (expected: at least " + min + ")");
    }
    if (max.isNumber() && size > max.asInt()) {
      problems.add(where(path) + ": " + size + " " + unit + " (expected: at most " + max + ")");
    }
  }

  private static void checkObject(
      String path, JsonNode value, JsonNode schema, List<String> problems) {
    JsonNode additional = schema.path("additionalProperties");
    boolean preserve = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean();
    for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String fieldPath = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
      JsonNode property = schema.path("properties").path(field.getKey());
      if (!property.isMissingNode()) {
        check(fieldPath, field.getValue(), property, problems);
      } else if (additional.isObject()) {
        check(fieldPath, field.getValue(), additional, problems);
      } else if (!preserve && !additional.asBoolean(false)) {
        problems.add(fieldPath + ": unknown field (the API server would drop it)");
      }
    }
    for (JsonNode required : schema.path("required")) {
      if (!value.has(required.asText())) {
        problems.add((path.isEmpty() ? "" : path + ".") + required.asText() + ": is required");
      }
    }
    for (JsonNode validation : schema.path("x-kubernetes-validations")) {
      String rule = validation.path("rule").asText();
      Matcher m = EXACTLY_ONE_OF.matcher(rule);
      if (!m.matches()) {
        throw new IllegalStateException(
            "schema of "
                + where(path)
                + ": rule \""
                + rule
                + "\" is not understood by deploy's CrdSchema (a test class): teach it there");
      }
      if (value.has(m.group(1)) == value.has(m.group(2))) {
        problems.add(where(path) + ": " + validation.path("message").asText());
      }
    }
  }

  private static boolean contains(JsonNode values, JsonNode value) {
    for (JsonNode v : values) {
      if (v.equals(value)) {
        return true;
      }
    }
    return false;
  }

  private static String where(String path) {
    return path.isEmpty() ? "(the object)" : path;
  }
}
