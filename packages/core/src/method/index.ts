// Public surface of src/method (the owner of this folder adds its exports here).
export {};
