package io.ratewarden.examples;

/** Thrown for a symbol the service does not quote: the caller's mistake, which costs it no quota. */
public class UnknownSymbolException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param symbol the symbol asked for
     */
    public UnknownSymbolException(String symbol) {
        super("no quotes for symbol '" + symbol + "'");
    }
}
