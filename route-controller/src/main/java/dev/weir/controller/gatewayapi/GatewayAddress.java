package dev.weir.controller.gatewayapi;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An address clients reach Weir's data planes at, as a Gateway's {@code status.addresses[]} entry
 * ({@code GatewayStatusAddress} of gateway_types.go): {@code type} {@value #IP_ADDRESS} (an IPv4 or
 * IPv6 literal) or {@value #HOSTNAME} (a DNS name, RFC 1123, without wildcard).
 *
 * @param type {@value #IP_ADDRESS} or {@value #HOSTNAME}
 * @param value the IP literal (IPv6 lowercase, without brackets) or the host name
 */
public record GatewayAddress(String type, String value) {

  /** The {@code AddressType} of an IP literal. */
  public static final String IP_ADDRESS = "IPAddress";

  /** The {@code AddressType} of a DNS name. */
  public static final String HOSTNAME = "Hostname";

  private static final Pattern IPV4 =
      Pattern.compile(
          "^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$");

  private static final Pattern HEX_GROUP = Pattern.compile("^[0-9a-fA-F]{1,4}$");

  private static final Pattern LOOKS_NUMERIC = Pattern.compile("^[0-9.]+$");

  public GatewayAddress {
    requireNonNull(type, "type");
    requireNonNull(value, "value");
    if (!type.equals(IP_ADDRESS) && !type.equals(HOSTNAME)) {
      throw new IllegalArgumentException(
          "type: " + type + " (expected: " + IP_ADDRESS + " or " + HOSTNAME + ")");
    }
  }

  /**
   * Types an address as the Gateway API does: an IPv4 literal ({@code 203.0.113.7}) or an IPv6
   * literal ({@code 2001:db8::7}, with or without brackets) is an {@value #IP_ADDRESS}, a lowercase
   * RFC 1123 name ({@code lb.example.com}) a {@value #HOSTNAME}. No DNS lookup is made.
   *
   * @throws IllegalArgumentException when {@code text} is neither, naming it
   */
  public static GatewayAddress parse(String text) {
    requireNonNull(text, "text");
    String s = text.trim();
    if (IPV4.matcher(s).matches()) {
      return new GatewayAddress(IP_ADDRESS, s);
    }
    if (s.indexOf(':') >= 0) {
      String literal = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
      if (!isIpv6(literal)) {
        throw new IllegalArgumentException(
            "\""
                + text
                + "\" is not an IPv6 address (RFC 4291: up to 8 groups of 1 to 4 hex digits, one"
                + " \"::\", an IPv4 tail)");
      }
      return new GatewayAddress(IP_ADDRESS, literal.toLowerCase(Locale.ROOT));
    }
    String problem =
        LOOKS_NUMERIC.matcher(s).matches()
            ? "is not an IPv4 address"
            : Hostnames.preciseHostnameProblem(s);
    if (problem != null) {
      throw new IllegalArgumentException(
          "\""
              + text
              + "\" "
              + problem
              + " (expected: an IP address, or a host name such as lb.example.com)");
    }
    return new GatewayAddress(HOSTNAME, s);
  }

  /** RFC 4291 section 2.2 text forms: x:x:x:x:x:x:x:x, one "::" for zeros, an IPv4 tail. */
  private static boolean isIpv6(String s) {
    int doubleColon = s.indexOf("::");
    if (doubleColon >= 0 && s.indexOf("::", doubleColon + 1) >= 0) {
      return false;
    }
    String head = doubleColon >= 0 ? s.substring(0, doubleColon) : s;
    String tail = doubleColon >= 0 ? s.substring(doubleColon + 2) : "";
    int groups = 0;
    List<String> parts = new ArrayList<>();
    if (!head.isEmpty()) {
      parts.addAll(List.of(head.split(":", -1)));
    }
    if (!tail.isEmpty()) {
      parts.addAll(List.of(tail.split(":", -1)));
    }
    for (int i = 0; i < parts.size(); i++) {
      String p = parts.get(i);
      if (i == parts.size() - 1 && p.indexOf('.') >= 0) {
        if (!IPV4.matcher(p).matches()) {
          return false;
        }
        groups += 2;
      } else if (HEX_GROUP.matcher(p).matches()) {
        groups++;
      } else {
        return false;
      }
    }
    return doubleColon >= 0 ? groups < 8 : groups == 8;
  }

  /**
   * Parses each entry ({@link #parse}), e.g. the values of {@code weir.gateway-api.addresses}.
   *
   * @param what names the list in errors, e.g. {@code weir.gateway-api.addresses}
   * @throws IllegalArgumentException naming {@code what[index]} and the entry when one is neither
   *     an IP address nor a host name, or when an entry repeats (the CRD's CEL rules: values of one
   *     type are unique)
   */
  public static List<GatewayAddress> parseAll(String what, List<String> texts) {
    List<GatewayAddress> out = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      GatewayAddress a;
      try {
        a = parse(texts.get(i));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(what + "[" + i + "]: " + e.getMessage(), e);
      }
      if (out.contains(a)) {
        throw new IllegalArgumentException(
            what + "[" + i + "]: \"" + texts.get(i) + "\" is listed twice");
      }
      out.add(a);
    }
    return List.copyOf(out);
  }
}
