"""Documents: the PDF renderer, the issuer of stage documents, the process diagram."""
