import "aws-sdk-client-mock-vitest/extend";

// The SDK warns on every client about Node 20 support ending; it is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
