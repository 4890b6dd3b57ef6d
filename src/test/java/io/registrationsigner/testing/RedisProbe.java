package io.registrationsigner.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** One raw RESP command to a test's own Redis, behind the service's back: to look, or to break things. */
public final class RedisProbe {

    private RedisProbe() {
    }

    /** Sends the command and returns the first line of the reply, e.g. "+OK", ":5", "$1" or "$-1". */
    public static String command(int port, String... args) {
        StringBuilder request = new StringBuilder("*").append(args.length).append("\r\n");
        for (String arg : args) {
            request.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg).append("\r\n");
        }
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            return readLine(socket.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** GET of a small value: the value, or null when the key does not exist. */
    public static String get(int port, String key) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            String request = "*2\r\n$3\r\nGET\r\n$" + key.getBytes(StandardCharsets.UTF_8).length + "\r\n" + key + "\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            InputStream in = socket.getInputStream();
            String header = readLine(in);
            return header.equals("$-1") ? null : readLine(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A command whose reply is one bulk string (INFO, CLUSTER INFO): the whole text. */
    public static String bulk(int port, String... args) {
        StringBuilder request = new StringBuilder("*").append(args.length).append("\r\n");
        for (String arg : args) {
            request.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg).append("\r\n");
        }
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.UTF_8));
            InputStream in = socket.getInputStream();
            String header = readLine(in);
            if (!header.startsWith("$")) {
                return header;
            }
            byte[] body = in.readNBytes(Integer.parseInt(header.substring(1)));
            return new String(body, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }
}
