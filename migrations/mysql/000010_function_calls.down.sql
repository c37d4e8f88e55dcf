DROP TABLE IF EXISTS function_calls;
