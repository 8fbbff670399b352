// Registers the aws-sdk-client-mock matchers (and their types) for every test file.
import "aws-sdk-client-mock-vitest/extend";
